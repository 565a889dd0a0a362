using System;
using System.Collections.Generic;
using System.Linq;
using Unroll.Generators.Model;

namespace Unroll.Generators.Planning;

/// <summary>Where a backward step writes one input's gradient.</summary>
internal enum GradientTarget
{
    /// <summary>No gradient is needed there (nothing before it has parameters).</summary>
    None,

    /// <summary>Straight into the input's gradient buffer: the first consumer to write it in this pass.</summary>
    Direct,

    /// <summary>Into the scratch buffer, then added to the gradient already there (the input has several consumers).</summary>
    Accumulate,
}

/// <summary>
/// What the emitter renders, decided from the checked network alone: which buffers exist and who owns them (a reshape owns
/// none: it reads its input's), which gradients are needed, where each backward step writes each input's gradient, which
/// outputs fuse their softmax or sigmoid into the loss, and, for inference contexts, which activations share memory.
/// </summary>
internal sealed class ExecutionPlan
{
    public ExecutionPlan(CheckedNetwork network)
    {
        Network = network;
        var layers = network.Layers;
        var count = layers.Count;
        Owner = new int[count];
        NeedsGradient = new bool[count];
        OwnsGradient = new bool[count + 1];
        Consumers = new List<int>[count];
        for (var i = 0; i < count; i++)
        {
            var layer = layers[i];
            Consumers[i] = new List<int>();
            Owner[i] = layer.Layer.IsAlias ? OwnerOf(layer.Inputs[0]) : i;
            var needs = layer.HasParameters;
            foreach (var j in layer.Inputs) needs |= j >= 0 && NeedsGradient[j];
            NeedsGradient[i] = needs;
            if (!layer.Layer.IsAlias)
                foreach (var j in layer.Inputs) if (OwnerOf(j) >= 0) Consumers[OwnerOf(j)].Add(i);
        }
        Outputs = network.Outputs.Count == 0 ? new[] { count - 1 } : network.Outputs.Select(o => o.Node).ToArray();
        for (var i = 0; i < count; i++)
            if (NeedsGradient[i] || Outputs.Contains(i)) OwnsGradient[OwnerOf(i) + 1] = true;
        FusedLogits = new int[Outputs.Length];
        for (var k = 0; k < Outputs.Length; k++)
        {
            var final = layers[Outputs[k]];
            FusedLogits[k] = final.Layer.FusableOutputActivation is not null ? OwnerOf(final.Inputs[0]) : NotFused;
        }
        // Joins and BatchNorm's discarded input gradient need one shared scratch buffer; sequential networks without them do not.
        NeedsScratch = !network.IsSequential || layers.Any(l => l.Layer.NeedsGradientScratch);
        ScratchSize = Math.Max(network.InputShape.Size, layers.Max(l => l.OutputShape.Size));
        PlanBackward();
        PlanInferenceMemory();
    }

    /// <summary>Marks an output whose final layer is not a fusable softmax or sigmoid.</summary>
    public const int NotFused = int.MinValue;

    public CheckedNetwork Network { get; }

    /// <summary>Per node: the node whose buffers it uses (itself, or for a reshape its input's owner; −1 is the input).</summary>
    public int[] Owner { get; }

    /// <summary>Per node: its output gradient is needed (some layer at or before it has parameters).</summary>
    public bool[] NeedsGradient { get; }

    /// <summary>Per owner + 1 (index 0 is the network input): it has a gradient buffer.</summary>
    public bool[] OwnsGradient { get; }

    /// <summary>Per owner: the layers (not reshapes) that read it.</summary>
    public List<int>[] Consumers { get; }

    /// <summary>Output nodes, main output first.</summary>
    public int[] Outputs { get; }

    /// <summary>Per output: the owner of its final softmax/sigmoid's input (the logits), or <see cref="NotFused"/>.</summary>
    public int[] FusedLogits { get; }

    public bool NeedsScratch { get; }

    /// <summary>Values per sample of the gradient scratch buffer: the largest activation.</summary>
    public int ScratchSize { get; }

    public int OwnerOf(int node) => node < 0 ? -1 : Owner[node];

    // ---- Backward: where every gradient goes ------------------------------------------------------------------------

    /// <summary>Per layer and input: where its backward step writes that input's gradient.</summary>
    public GradientTarget[][] InputTargets { get; private set; } = Array.Empty<GradientTarget[]>();

    /// <summary>
    /// Per output: whether its fused path hands the loss's logits gradient over in place (the logits feed nothing else),
    /// so backward continues from the output's gradient buffer instead of copying it.
    /// </summary>
    public bool[] FusedInPlace { get; private set; } = Array.Empty<bool>();

    /// <summary>
    /// Walks backward in reverse layer order as the generated code will: the first step to write a node's gradient writes
    /// it directly, later ones through the scratch buffer and an addition. Outputs are seeded by the loss.
    /// </summary>
    private void PlanBackward()
    {
        var layers = Network.Layers;
        var written = new bool[layers.Count + 1];
        foreach (var o in Outputs) written[OwnerOf(o) + 1] = true;
        InputTargets = new GradientTarget[layers.Count][];
        FusedInPlace = new bool[Outputs.Length];
        GradientTarget Target(int node)
        {
            var owner = OwnerOf(node);
            // The network input's gradient is never asked for.
            if (owner < 0 || !NeedsGradient[owner]) return GradientTarget.None;
            var target = written[owner + 1] ? GradientTarget.Accumulate : GradientTarget.Direct;
            written[owner + 1] = true;
            return target;
        }
        for (var i = layers.Count - 1; i >= 0; i--)
        {
            var layer = layers[i];
            InputTargets[i] = new GradientTarget[layer.Inputs.Count];
            if (layer.Layer.IsAlias || !NeedsGradient[i]) continue;
            var k = Array.IndexOf(Outputs, i);
            if (k >= 0 && FusedLogits[k] != NotFused)
            {
                var logits = OwnerOf(layer.Inputs[0]);
                if (logits >= 0 && Consumers[logits].Count == 1 && !written[logits + 1])
                {
                    FusedInPlace[k] = true;
                    written[logits + 1] = true;
                    continue;
                }
            }
            for (var j = 0; j < layer.Inputs.Count; j++) InputTargets[i][j] = Target(layer.Inputs[j]);
        }
    }

    // ---- Inference memory: liveness-based sharing -------------------------------------------------------------------

    /// <summary>Per owned node: the inference slot its output lives in (−1 for a buffer of its own: an output or the logits).</summary>
    public int[] InferenceSlot { get; private set; } = Array.Empty<int>();

    /// <summary>Per layer with per-sample extra buffers used only within its step: their slots, by suffix.</summary>
    public Dictionary<(int Layer, string Suffix), int> ExtraSlot { get; } = new();

    /// <summary>Values per sample of each inference slot.</summary>
    public List<int> SlotSizes { get; } = new();

    /// <summary>
    /// Assigns every activation an inference context holds to a slot, greedily in step order: a slot is free again once
    /// the last step that reads its buffer has run, and a buffer takes the smallest free slot that fits (else the
    /// largest, grown). The network input, the outputs and the logits keep buffers of their own: callers read them after
    /// Forward, and a caller's input is never overwritten.
    /// </summary>
    private void PlanInferenceMemory()
    {
        var layers = Network.Layers;
        var lastUse = new int[layers.Count];
        for (var i = 0; i < layers.Count; i++) lastUse[i] = i;
        foreach (var owner in Enumerable.Range(0, layers.Count))
            foreach (var c in Consumers[owner]) lastUse[owner] = Math.Max(lastUse[owner], c);
        var pinned = new HashSet<int>(Outputs.Select(OwnerOf));
        foreach (var logits in FusedLogits) if (logits >= 0) pinned.Add(logits);

        InferenceSlot = Enumerable.Repeat(-1, layers.Count).ToArray();
        var busyUntil = new List<int>(); // per slot: the last step that reads what it holds
        int Take(int size, int step, int until)
        {
            var best = -1;
            for (var s = 0; s < SlotSizes.Count; s++)
            {
                if (busyUntil[s] >= step) continue;
                var better = best < 0
                    || (SlotSizes[s] >= size && (SlotSizes[best] < size || SlotSizes[s] < SlotSizes[best]))
                    || (SlotSizes[s] < size && SlotSizes[best] < size && SlotSizes[s] > SlotSizes[best]);
                if (better) best = s;
            }
            if (best < 0)
            {
                SlotSizes.Add(size);
                busyUntil.Add(until);
                return SlotSizes.Count - 1;
            }
            SlotSizes[best] = Math.Max(SlotSizes[best], size);
            busyUntil[best] = until;
            return best;
        }
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            // A step's temporaries (a separable convolution's depthwise output) live within that step only.
            foreach (var extra in layer.Layer.Buffers(layer))
                if (extra.FilledAtInference) ExtraSlot[(i, extra.Suffix)] = Take(extra.Length, i, i);
            if (Owner[i] == i && !pinned.Contains(i)) InferenceSlot[i] = Take(layer.OutputShape.Size, i, lastUse[i]);
        }
    }

    /// <summary>Values per sample an inference context allocates for activations without sharing (every buffer its own).</summary>
    public long UnsharedInferenceSize
    {
        get
        {
            long size = 0;
            for (var i = 0; i < Network.Layers.Count; i++)
            {
                var layer = Network.Layers[i];
                if (Owner[i] == i) size += layer.OutputShape.Size;
                foreach (var extra in layer.Layer.Buffers(layer)) if (extra.FilledAtInference) size += extra.Length;
            }
            return size;
        }
    }

    /// <summary>Values per sample an inference context allocates for activations with the plan's sharing.</summary>
    public long SharedInferenceSize
    {
        get
        {
            long size = SlotSizes.Sum(s => (long)s);
            for (var i = 0; i < Network.Layers.Count; i++)
                if (Owner[i] == i && InferenceSlot[i] < 0) size += Network.Layers[i].OutputShape.Size;
            return size;
        }
    }
}
