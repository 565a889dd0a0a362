using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// Trains and evaluates one network with one loss and one optimizer. Buffers are allocated here, once; a training step
/// allocates nothing, and on a GPU backend moves only the batch up and the loss and the correct count down: the loss,
/// its gradient, the accuracy count (<see cref="ILossOperations"/>) and the optimizer updates run on the backend.
/// Shapes come from the network's static members, so no reflection is involved.
/// </summary>
/// <example>
/// <code>
/// var net = new FashionMlp(capacity: 64, seed: 1);
/// var trainer = new Trainer&lt;FashionMlp&gt;(net, new SparseCategoricalCrossEntropy(), new Adam());
/// trainer.Fit(train, new FitOptions { Epochs = 5, BatchSize = 64 });
/// Console.WriteLine(trainer.Evaluate(test).Accuracy);
///
/// // A network that ends in raw scores (Dense(10) without Softmax) needs a loss that applies softmax itself;
/// // the constructor refuses the plain loss on it, naming the network's final activation.
/// var logits = new Trainer&lt;LogitMlp&gt;(logitNet, new SparseCategoricalCrossEntropy(fromLogits: true), new Adam());
/// </code>
/// </example>
public sealed partial class Trainer<TNetwork> where TNetwork : INetwork<TNetwork>
{
    private readonly Head[] _heads;         // per network output, main output first
    // One batch on its way to the backend: host staging, gathered sample by sample, then one upload each.
    private readonly float[] _inputs;       // [capacity, input size]
    private readonly float[] _targets;      // [capacity, target size]
    private readonly float[] _labels;       // [capacity]: class indices, for the accuracy count
    private readonly FloatBuffer _targetBuffer, _labelBuffer;
    // What comes back from a step: each head's mean loss, then the correct count.
    private readonly FloatBuffer _resultBuffer;
    private readonly float[] _results;
    private readonly int[] _rows;           // [capacity]: sample indices of an evaluation chunk
    private readonly bool _fused;
    private readonly bool _predictionsAreLogits; // fused, or a FromLogits loss on a network that ends in raw scores
    private readonly int _targetSize;
    private readonly int _classCount;       // classes the main output can predict: a label must be below it
    private float[][]? _accumulated;        // per parameter, for batches larger than the capacity
    private float[]? _scratch;

    /// <summary>Binds a network, a loss and an optimizer. Throws if the loss cannot work with the network's output.</summary>
    /// <exception cref="ArgumentException">
    /// The loss cannot train one of the network's outputs: a cross-entropy that takes probabilities on an output that does
    /// not end in its Softmax or Sigmoid, a cross-entropy with <see cref="Unroll.Loss.FromLogits"/> on an output that already
    /// ends in Softmax or Sigmoid, or an auxiliary output whose targets differ from the main output's.
    /// </exception>
    public Trainer(TNetwork network, Loss loss, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.IsInferenceContext)
            throw new ArgumentException($"This {typeof(TNetwork).Name} is an inference context, which shares another instance's parameters and has no gradients. Train the network it was created from.", nameof(network));
        Network = network;
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        var outputs = network.Outputs;
        for (var i = 0; i < outputs.Count; i++) CheckFinalActivation(loss, outputs[i], i, outputs.Count);
        // Every output passed the check, so a probability loss meets its own activation at every output and fuses with
        // all of them (Backward takes one "gradient is for the logits" flag for all outputs); a FromLogits loss reads
        // outputs that are already logits.
        _fused = loss.FusesWith is not null && !loss.FromLogits;
        _predictionsAreLogits = loss.FusesWith is not null;
        _targetSize = loss.TargetSize(TNetwork.OutputSize);
        _classCount = Math.Max(TNetwork.OutputSize, 2);
        _heads = new Head[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            var size = outputs[i].Output.Length / network.Capacity;
            if (loss.TargetSize(size) != _targetSize)
                throw new ArgumentException($"Loss '{loss.Name}' cannot train output '{outputs[i].Name}' of {size} values with the same targets as the main output of {TNetwork.OutputSize}.", nameof(loss));
            _heads[i] = new Head(outputs[i], size);
        }
        var capacity = network.Capacity;
        var backend = network.Backend;
        _inputs = new float[capacity * TNetwork.InputSize];
        _targets = new float[capacity * _targetSize];
        _labels = new float[capacity];
        _targetBuffer = backend.Allocate(_targets.Length);
        _labelBuffer = backend.Allocate(capacity);
        _results = new float[_heads.Length + 1];
        _resultBuffer = backend.Allocate(_results.Length);
        _rows = new int[capacity];
    }

    /// <summary>The network being trained.</summary>
    public TNetwork Network { get; }

    /// <summary>The loss minimised.</summary>
    public Loss Loss { get; }

    /// <summary>The optimizer that updates the parameters.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>
    /// Whether the loss is computed from the logits of the network's final softmax or sigmoid
    /// (the numerically stable fused form) rather than from its probabilities. False for a loss with
    /// <see cref="Unroll.Loss.FromLogits"/>, which computes the same fused form from a network that ends in raw scores.
    /// </summary>
    public bool UsesFusedLoss => _fused;

    /// <summary>Rejects a probability loss on raw scores, and a logit loss on probabilities, naming the output and its activation.</summary>
    private static void CheckFinalActivation(Loss loss, NetworkOutput output, int index, int outputCount)
    {
        if ((loss.FromLogits ? loss.FusesWith : loss.ReadsProbabilitiesFrom) is not { } probabilities) return;
        var activation = output.Activation;
        var which = outputCount == 1
            ? $"{typeof(TNetwork).Name}'s output '{output.Name}'"
            : $"{typeof(TNetwork).Name}'s {(index == 0 ? "main" : "auxiliary")} output '{output.Name}' (output {index} of {outputCount})";
        if (!loss.FromLogits && activation != probabilities)
            throw new ArgumentException(
                $"Loss '{loss.Name}' takes probabilities from a final {probabilities}, but {which} ends in {activation}, " +
                $"so it would read raw values as probabilities and train to a wrong result. " +
                (loss.FusesWith is null
                    ? $"End the network with {probabilities}."
                    : $"End the network with {probabilities}, or pass fromLogits: true (new {loss.GetType().Name}(fromLogits: true)) " +
                      $"so that the loss applies {probabilities.ToString().ToLowerInvariant()} itself."), nameof(loss));
        if (loss.FromLogits && activation is Activation.Softmax or Activation.Sigmoid)
            throw new ArgumentException(
                $"Loss '{loss.Name}' was created with fromLogits: true, so it applies {probabilities.ToString().ToLowerInvariant()} itself, " +
                $"but {which} already ends in {activation}: the outputs would be squashed twice ({activation.ToString().ToLowerInvariant()}, " +
                $"then {probabilities.ToString().ToLowerInvariant()}). Remove the final {activation} from the network, or " +
                $"use fromLogits: false" + (activation == probabilities ? $" (the trainer then fuses {activation} with the loss itself)." : "."), nameof(loss));
    }

    /// <summary>
    /// Trains for <see cref="FitOptions.Epochs"/> epochs, or until early stopping or <see cref="StopTraining"/> ends the
    /// run, and returns what each epoch achieved.
    /// </summary>
    /// <exception cref="OperationCanceledException"><see cref="FitOptions.Cancellation"/> was cancelled.</exception>
    public IReadOnlyList<EpochResult> Fit(Dataset data, FitOptions? options = null)
    {
        options ??= new FitOptions();
        CheckData(data, nameof(data));
        if (options.Validation is { } validation) CheckData(validation, nameof(options.Validation));
        CheckAugmentation(options.Augmentation);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options.Epochs));
        if (options.InitialEpoch < 0 || options.InitialEpoch >= options.Epochs)
            throw new ArgumentOutOfRangeException(nameof(options.InitialEpoch), options.InitialEpoch,
                $"InitialEpoch counts the epochs already done: at least 0 and less than Epochs ({options.Epochs}), so that one is left to run.");
        ArgumentOutOfRangeException.ThrowIfNegative(options.BatchSize, nameof(options.BatchSize));
        var monitor = CheckMonitor(data, options);

        using var exclusive = Network.UseGuard.Enter("Fit");
        // Bad paths fail before any step.
        // Of the ranks of a data-parallel run, rank 0 alone writes.
        var writes = options.DataParallel?.IsRoot ?? true;
        if (options.Checkpoint is { } checkpointPath && writes) AtomicFile.CheckTarget(checkpointPath, "the checkpoint");
        using var log = options.CsvLog is { } logPath && writes ? new CsvTrainingLog(logPath) : null;
        _stopRequested = false;
        var batchSize = options.BatchSize == 0 ? data.Count : Math.Min(options.BatchSize, data.Count);
        if (options.DataParallel is { } parallel) JoinRanks(parallel, data, batchSize, options);
        var order = new int[data.Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        var random = new Random(options.Seed);
        var results = new List<EpochResult>(options.Epochs);
        var stepsPerEpoch = (data.Count + batchSize - 1) / batchSize;
        var schedule = new ScheduleState(options.Schedule, Optimizer.LearningRate, stepsPerEpoch * options.Epochs) { Step = stepsPerEpoch * options.InitialEpoch };
        options.Schedule.Start();
        _runBaseRate = schedule.BaseRate;
        // A resumed run draws the orders the epochs already done drew, so that the next ones match.
        if (options.Shuffle)
            for (var done = 0; done < options.InitialEpoch; done++) random.Shuffle(order);
        float best = float.NaN;
        int epochsSinceBest = 0;
        try
        {
            for (var epoch = options.InitialEpoch + 1; epoch <= options.Epochs; epoch++)
            {
                if (options.Shuffle) random.Shuffle(order);
                var result = RunEpoch(data, order, batchSize, epoch, options, ref schedule);
                results.Add(result);
                log?.Append(result);
                EpochsCompleted = epoch;
                var value = result.Value(monitor);
                var improved = float.IsNaN(best) || Improves(value, best, monitor, options.MinDelta);
                if (improved)
                {
                    best = value;
                    epochsSinceBest = 0;
                    if (options.Checkpoint is { } checkpoint && writes) Network.SaveWeights(checkpoint);
                }
                else epochsSinceBest++;
                options.Schedule.EpochEnded(improved);
                options.OnEpoch?.Invoke(result);
                if ((options.DataParallel is { } ranks ? AnyRankStops(ranks) : _stopRequested) || epochsSinceBest >= options.EarlyStoppingPatience) break;
            }
        }
        finally
        {
            Optimizer.LearningRate = schedule.BaseRate;
            _runBaseRate = null;
        }
        return results;
    }

    /// <summary>
    /// Ends the running <see cref="Fit"/> after the current epoch (its results, log line and checkpoint included), as
    /// Keras's <c>model.stop_training = True</c>; callable from <see cref="FitOptions.OnEpoch"/>, <see cref="FitOptions.OnBatch"/>
    /// or another thread. Each <see cref="Fit"/> starts with the request cleared.
    /// </summary>
    public void StopTraining() => _stopRequested = true;

    private volatile bool _stopRequested;

    // During Fit, the optimizer's rate is the schedule's; a checkpoint keeps the base rate the schedule starts from.
    private float? _runBaseRate;

    /// <summary>The last epoch <see cref="Fit"/> finished (counted across runs and resumes); 0 before any.</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>
    /// Saves everything a run needs to resume exactly: the weights and running statistics (under their names in
    /// <see cref="SafeTensors.SaveWeights"/>' format, so the file is a safetensors file any reader opens), the optimizer's
    /// state (<c>optimizer.state0.dense_1.weight</c>, …), and in the metadata the optimizer's name, step count and
    /// learning rate, <see cref="EpochsCompleted"/> and the network's <see cref="INetwork.RandomPasses"/>. Written whole
    /// or not at all, as weights are. Call it between epochs (from <see cref="FitOptions.OnEpoch"/>, or after
    /// <see cref="Fit"/>), not in the middle of one.
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var exclusive = Network.UseGuard.Enter("SaveCheckpoint");
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = Optimizer.Name,
            ["optimizer_steps"] = Text(Optimizer.Steps),
            ["learning_rate"] = (_runBaseRate ?? Optimizer.LearningRate).ToString("R", CultureInfo.InvariantCulture),
            ["epochs_completed"] = Text(EpochsCompleted),
            ["random_passes"] = Network.RandomPasses.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(path, "the checkpoint", Network.GetType().Name, CheckpointTensors(), metadata);
    }

    /// <summary>
    /// Restores what <see cref="SaveCheckpoint"/> saved into this trainer's network and optimizer, and returns the epochs
    /// it had completed: pass that as <see cref="FitOptions.InitialEpoch"/> (with the same data, batch size, seed and
    /// schedule, and a network created with the same seed) and training continues bit for bit as if it had not stopped.
    /// The whole file is checked first, as <see cref="SafeTensors.LoadWeights"/> checks it, and against the optimizer
    /// (its kind and state); a file that fails changes nothing.
    /// </summary>
    public int LoadCheckpoint(string path)
    {
        var tensors = CheckpointTensors();
        var (values, metadata) = SafeTensors.Read(path, Network.GetType().Name, tensors);
        string Entry(string key) => metadata.TryGetValue(key, out var value) ? value
            : throw new InvalidDataException($"'{path}' is not a checkpoint: its metadata has no '{key}' (a weights file loads with LoadWeights).");
        long Number(string key, long max)
            => long.TryParse(Entry(key), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max ? n
                : throw new InvalidDataException($"Checkpoint '{path}': its '{key}' is '{Entry(key)}', not a count.");
        if (Entry("optimizer") != Optimizer.Name)
            throw new InvalidDataException($"Checkpoint '{path}' holds the state of optimizer '{Entry("optimizer")}', but this trainer's is '{Optimizer.Name}'.");
        var steps = (int)Number("optimizer_steps", int.MaxValue);
        var epochs = (int)Number("epochs_completed", int.MaxValue);
        var passes = (ulong)Number("random_passes", long.MaxValue);
        if (!float.TryParse(Entry("learning_rate"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate >= 0) || !float.IsFinite(rate))
            throw new InvalidDataException($"Checkpoint '{path}': its learning_rate '{Entry("learning_rate")}' is not a finite number ≥ 0.");

        using var exclusive = Network.UseGuard.Enter("LoadCheckpoint");
        SafeTensors.Apply(tensors, values);
        Optimizer.RestoreSteps(steps);
        Optimizer.LearningRate = rate;
        Network.RandomPasses = passes;
        EpochsCompleted = epochs;
        return epochs;
    }

    /// <summary>A checkpoint's tensors: the network's, then the optimizer's state (binding it to the network's parameters).</summary>
    private List<SafeTensors.TensorTarget> CheckpointTensors()
    {
        var tensors = SafeTensors.Targets(Network);
        tensors.AddRange(Optimizer.StateTensors(Network.Parameters));
        return tensors;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The figure early stopping and checkpoints watch, checked against what the run will produce.</summary>
    private static Metric CheckMonitor(Dataset data, FitOptions options)
    {
        if (options.EarlyStoppingPatience is < 1)
            throw new ArgumentOutOfRangeException(nameof(options.EarlyStoppingPatience), options.EarlyStoppingPatience,
                "Early stopping's patience is the number of epochs without improvement to allow: at least 1.");
        if (!(options.MinDelta >= 0) || float.IsInfinity(options.MinDelta))
            throw new ArgumentOutOfRangeException(nameof(options.MinDelta), options.MinDelta, "MinDelta must be a finite value of at least 0.");
        var monitor = options.Monitor ?? (options.Validation is null ? Metric.Loss : Metric.ValidationLoss);
        if (monitor is Metric.ValidationLoss or Metric.ValidationAccuracy && options.Validation is null)
            throw new ArgumentException($"Monitor is {monitor}, but FitOptions.Validation is not set: give a validation set (dataset.Split) or monitor {(monitor == Metric.ValidationLoss ? Metric.Loss : Metric.Accuracy)}.", nameof(options));
        var accuracyOf = monitor switch { Metric.Accuracy => data, Metric.ValidationAccuracy => options.Validation, _ => null };
        if (accuracyOf is { Labels: null })
            throw new ArgumentException($"Monitor is {monitor}, but that data set has no class labels, so it has no accuracy: monitor a loss.", nameof(options));
        return monitor;
    }

    private static bool Improves(float value, float best, Metric monitor, float minDelta) =>
        monitor is Metric.Accuracy or Metric.ValidationAccuracy ? value > best + minDelta : value < best - minDelta;

    private EpochResult RunEpoch(Dataset data, int[] order, int batchSize, int epoch, FitOptions options, ref ScheduleState schedule)
    {
        var start = Stopwatch.GetTimestamp();
        double lossSum = 0;
        int correct = 0, done = 0;
        var augmentation = new AugmentationPass(options.Augmentation, options.Augmentation?.Seed ?? options.Seed, epoch);
        for (var first = 0; first < data.Count; first += batchSize)
        {
            var batch = order.AsSpan(first, Math.Min(batchSize, data.Count - first));
            Optimizer.LearningRate = schedule.Schedule.Rate(schedule.BaseRate, schedule.Step++, schedule.TotalSteps);
            float loss;
            int hits;
            if (options.DataParallel is { } parallel)
            {
                (parallel.Epoch, parallel.Step) = (epoch, first / batchSize + 1);
                (loss, hits) = DataParallelStep(parallel, data, batch, augmentation, options.Cancellation);
            }
            else
            {
                options.Cancellation.ThrowIfCancellationRequested();
                (loss, hits) = TrainStep(data, batch, augmentation);
            }
            if (!float.IsFinite(loss))
                throw new InvalidOperationException(
                    $"The loss became {loss} in epoch {epoch} at samples {first}..{first + batch.Length - 1} " +
                    $"(learning rate {Optimizer.LearningRate}); the parameters were not updated by this step. " +
                    "Lower the learning rate or check the data.");
            lossSum += (double)loss * batch.Length;
            correct += hits;
            done += batch.Length;
            options.OnBatch?.Invoke(new BatchProgress(epoch, options.Epochs, done, data.Count,
                (float)(lossSum / done), Accuracy(data, correct, done), done / Stopwatch.GetElapsedTime(start).TotalSeconds));
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new EpochResult(epoch, (float)(lossSum / done), Accuracy(data, correct, done), done / elapsed.TotalSeconds,
            elapsed, options.DataParallel is { } ranks ? EndEpochOnRanks(ranks, options.Validation) : options.Validation is { } v ? Evaluate(v) : null,
            Optimizer.LearningRate);
    }

    private struct ScheduleState(LearningRateSchedule schedule, float baseRate, int totalSteps)
    {
        public readonly LearningRateSchedule Schedule = schedule;
        public readonly float BaseRate = baseRate;
        public readonly int TotalSteps = totalSteps;
        public int Step;
    }

    /// <summary>
    /// One optimizer step on the given samples of <paramref name="data"/>; returns the batch's mean loss (before the step)
    /// and how many samples it classified correctly. The step is skipped when the loss is not finite.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A sample index is outside the data set; the message names it and its position in <paramref name="samples"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="samples"/> is empty, the data set does not fit the network and loss, or a sample has a NaN or infinite
    /// value, a target the loss cannot take or a label outside the network's classes (the message names its index in the data set).
    /// </exception>
    public (float Loss, int Correct) TrainStep(Dataset data, ReadOnlySpan<int> samples) => TrainStep(data, samples, default);

    /// <summary><see cref="TrainStep(Dataset, ReadOnlySpan{int})"/> on samples augmented as <paramref name="augmentation"/> draws them (Fit's steps).</summary>
    internal (float Loss, int Correct) TrainStep(Dataset data, ReadOnlySpan<int> samples, AugmentationPass augmentation)
    {
        CheckData(data, nameof(data));
        if (samples.IsEmpty) throw new ArgumentException("TrainStep needs at least one sample index.", nameof(samples));
        for (var i = 0; i < samples.Length; i++)
            if ((uint)samples[i] >= (uint)data.Count) ThrowSampleIndex(samples[i], i, data.Count);
        using var exclusive = Network.UseGuard.Enter("TrainStep");
        var capacity = Network.Capacity;
        if (samples.Length <= capacity)
        {
            var (loss, hits) = ForwardLoss(data, samples, training: true, augmentation);
            if (!float.IsFinite(loss)) return (loss, hits);
            Backward(samples.Length);
            Optimizer.Step(Network.Parameters);
            return (loss, hits);
        }

        // Larger than the buffers: average the chunks' gradients, weighted by their share of the batch.
        var parameters = Network.Parameters;
        EnsureAccumulators(parameters);
        double lossSum = 0;
        var correct = 0;
        for (var first = 0; first < samples.Length; first += capacity)
        {
            var chunk = samples.Slice(first, Math.Min(capacity, samples.Length - first));
            var (loss, hits) = ForwardLoss(data, chunk, training: true, augmentation);
            if (!float.IsFinite(loss)) return (loss, correct + hits);
            lossSum += (double)loss * chunk.Length;
            correct += hits;
            Backward(chunk.Length);
            var weight = (float)chunk.Length / samples.Length;
            for (var p = 0; p < parameters.Count; p++)
            {
                var gradient = _scratch.AsSpan(0, parameters[p].Length);
                Network.Backend.Download(parameters[p].Gradient, 0, gradient);
                if (first == 0) TensorPrimitives.Multiply(gradient, weight, _accumulated![p]);
                else TensorPrimitives.MultiplyAdd(gradient, weight, _accumulated![p], _accumulated[p]);
            }
        }
        for (var p = 0; p < parameters.Count; p++)
            Network.Backend.Upload(_accumulated![p], parameters[p].Gradient);
        Optimizer.Step(parameters);
        return ((float)(lossSum / samples.Length), correct);
    }

    /// <summary>Mean loss and accuracy over a data set, in inference mode (no dropout), batched by the network's capacity.</summary>
    /// <exception cref="ArgumentException">
    /// The data set is empty or does not fit the network and loss, or a sample has a NaN or infinite value, a target the
    /// loss cannot take or a label outside the network's classes (the message names its index in the data set).
    /// </exception>
    public Evaluation Evaluate(Dataset data)
    {
        CheckData(data, nameof(data));
        using var exclusive = Network.UseGuard.Enter("Evaluate");
        var (lossSum, correct) = Sums(data, 0, data.Count);
        return new Evaluation((float)(lossSum / data.Count), Accuracy(data, correct, data.Count), data.Count);
    }

    /// <summary>The loss sum and correct count of samples [<paramref name="start"/>, <paramref name="end"/>), in inference mode, batched by the capacity.</summary>
    private (double LossSum, int Correct) Sums(Dataset data, int start, int end)
    {
        double lossSum = 0;
        var correct = 0;
        var rows = _rows;
        for (var first = start; first < end; first += rows.Length)
        {
            var n = Math.Min(rows.Length, end - first);
            for (var i = 0; i < n; i++) rows[i] = first + i;
            var (loss, hits) = ForwardLoss(data, rows.AsSpan(0, n), training: false);
            lossSum += (double)loss * n;
            correct += hits;
        }
        return (lossSum, correct);
    }

    /// <summary>
    /// Forward over the samples, then the loss, its gradient and the accuracy count on the backend: the batch's inputs and
    /// targets go up in one upload each (its labels in a third), and the losses and the count come down in one download.
    /// </summary>
    private (float Loss, int Correct) ForwardLoss(Dataset data, ReadOnlySpan<int> samples, bool training, AugmentationPass augmentation = default)
    {
        var n = samples.Length;
        var backend = Network.Backend;
        var inputSize = TNetwork.InputSize;
        var labels = data.Labels;
        for (var i = 0; i < n; i++)
        {
            var sample = data.Sample(samples[i]);
            var target = data.Target(samples[i]);
            // Dataset's constructor checked these, but its arrays can be written afterwards; a NaN would come out as a
            // NaN loss (or a wrong accuracy) far from its cause, so check what each batch reads (vectorised, cheap).
            CheckSample(data, samples[i], sample, target);
            var input = _inputs.AsSpan(i * inputSize, inputSize);
            augmentation.Copy(sample, samples[i], input);
            // An autoencoder's target is its sample: it is asked to reconstruct the augmented image it is shown.
            (data.IsAutoencoder ? input : target).CopyTo(_targets.AsSpan(i * _targetSize, _targetSize));
            if (labels is not null) _labels[i] = labels[samples[i]];
        }
        backend.Upload(_inputs.AsSpan(0, n * inputSize), Network.Input);
        backend.Upload(_targets.AsSpan(0, n * _targetSize), _targetBuffer);
        if (labels is not null) backend.Upload(_labels.AsSpan(0, n), _labelBuffer);
        Network.Forward(n, training);

        // The main output's loss is what is reported; auxiliary heads add theirs, weighted, to the gradient only.
        for (var h = 0; h < _heads.Length; h++)
        {
            var output = _heads[h].Output;
            backend.LossForward(Loss, _fused, _fused ? output.Logits : output.Output, _targetBuffer, output.OutputGradient, output.LossWeight,
                _resultBuffer, h, n, _heads[h].Size);
        }
        if (labels is not null)
        {
            // One output: a binary classifier, positive above probability 0.5 (logit 0 when fused or from logits).
            var main = _heads[0].Output;
            backend.CountCorrect(_fused ? main.Logits : main.Output, _labelBuffer, _resultBuffer, _heads.Length, n,
                TNetwork.OutputSize, _predictionsAreLogits ? 0f : 0.5f);
        }
        backend.Download(_resultBuffer, 0, _results);
        return (_results[0], labels is null ? 0 : (int)_results[_heads.Length]);
    }

    private void Backward(int batch) => Network.Backward(batch, outputGradientIsForLogits: _fused);

    /// <summary>One network output and its values per sample.</summary>
    private readonly record struct Head(NetworkOutput Output, int Size);

    private static float Accuracy(Dataset data, int correct, int count) =>
        data.Labels is null ? float.NaN : (float)correct / count;

    private void EnsureAccumulators(IReadOnlyList<Parameter> parameters)
    {
        if (_accumulated is not null) return;
        _accumulated = new float[parameters.Count][];
        var largest = 0;
        for (var p = 0; p < parameters.Count; p++)
        {
            _accumulated[p] = new float[parameters[p].Length];
            largest = Math.Max(largest, parameters[p].Length);
        }
        _scratch = new float[largest];
    }

    /// <summary>Checks one sample as a batch reads it; errors name its index in the data set, not its row in the batch.</summary>
    private void CheckSample(Dataset data, int index, ReadOnlySpan<float> sample, ReadOnlySpan<float> target)
    {
        if (FiniteValues.IndexOfNonFinite(sample) is var feature and >= 0) ThrowNonFinite(index, "feature", feature, sample[feature]);
        if (FiniteValues.IndexOfNonFinite(target) is var value and >= 0) ThrowNonFinite(index, "target", value, target[value]);
        foreach (var head in _heads)
            if (Loss.DescribeInvalidTarget(target, head.Size) is { } problem) ThrowInvalidTarget(index, head, problem);
        if (data.Labels is { } labels && (uint)labels[index] >= (uint)_classCount) ThrowLabel(index, labels[index]);
    }

    [DoesNotReturn]
    private static void ThrowNonFinite(int index, string what, int position, float value)
        => throw new ArgumentException(
            $"Sample {index} of the data set has a non-finite {what} value ({value.ToString(CultureInfo.InvariantCulture)}) at position {position}; " +
            "the loss and accuracy would come out as NaN. Dataset's constructor rejects such values, so it was written afterwards " +
            $"(through {(what == "feature" ? "Features" : "Targets")}): fix or drop the sample.", "data");

    [DoesNotReturn]
    private void ThrowInvalidTarget(int index, Head head, string problem)
        => throw new ArgumentException(
            $"Loss '{Loss.Name}': the target of sample {index} of the data set {problem}" +
            (_heads.Length > 1 ? $" (for output '{head.Output.Name}' of {head.Size} values)." : "."), "data");

    [DoesNotReturn]
    private void ThrowLabel(int index, int label)
        => throw new ArgumentException(
            $"Label {label} of sample {index} of the data set is outside the {_classCount} classes {typeof(TNetwork).Name} can predict " +
            $"[0, {_classCount - 1}], so accuracy would count it as wrong whatever the network outputs.", "data");

    [DoesNotReturn]
    private static void ThrowSampleIndex(int index, int position, int count)
        => throw new ArgumentOutOfRangeException("samples", index,
            $"samples[{position}] is {index}, but the data set has {count} samples (indices 0 to {count - 1}).");

    /// <summary>
    /// Refuses an augmentation whose image is not the network's input, naming both shapes: (channels, height, width), or
    /// (height, width) read as one channel. A flat input has no rows to shift or mirror. The data set's samples were
    /// already checked to be the network's input size.
    /// </summary>
    private static void CheckAugmentation(ImageAugmentation? augmentation)
    {
        if (augmentation is null) return;
        var shape = TNetwork.InputShape;
        var name = typeof(TNetwork).Name;
        if (shape.Length is not (2 or 3))
            throw new ArgumentException(
                $"FitOptions.Augmentation shifts and flips images, but {name} takes {Shape(shape)}, " +
                (shape.Length == 1 ? $"a flat input of {shape[0]} values with no height and width" : $"an input of rank {shape.Length}") +
                ": augmentation needs a network whose input is an image, (channels, height, width) or (height, width), such as [Network(1, 28, 28)].", "options");
        int channels = shape.Length == 3 ? shape[0] : 1, height = shape[^2], width = shape[^1];
        if ((augmentation.Channels, augmentation.Height, augmentation.Width) != (channels, height, width))
            throw new ArgumentException(
                $"FitOptions.Augmentation is for images of ({augmentation.Channels}, {augmentation.Height}, {augmentation.Width}), " +
                $"{augmentation.SampleSize} values, but {name} and the data set's samples are {Shape(shape)}, {TNetwork.InputSize} values: " +
                $"use new ImageAugmentation({channels}, {height}, {width}).", "options");
    }

    private void CheckData(Dataset data, string name)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (data.Count == 0) throw new ArgumentException("The data set holds no samples.", name);
        if (data.SampleSize != TNetwork.InputSize)
            throw new ArgumentException(
                $"{typeof(TNetwork).Name} takes {TNetwork.InputSize} values per sample ({Shape(TNetwork.InputShape)}) but the data set's samples have {data.SampleSize}.", name);
        if (data.TargetSize != _targetSize)
            throw new ArgumentException(
                $"Loss '{Loss.Name}' needs {_targetSize} target value(s) per sample for {typeof(TNetwork).Name}'s {TNetwork.OutputSize} outputs, " +
                $"but the data set has {data.TargetSize}" +
                (data.ClassCount > 0 ? " (class indices need SparseCategoricalCrossEntropy; one-hot rows need CategoricalCrossEntropy)." :
                 data.IsAutoencoder ? AutoencoderHint(data) : "."), name);
    }

    // An autoencoder set's targets are its samples: the network must give back as many values as it takes, and the loss
    // must compare values one for one.
    private string AutoencoderHint(Dataset data) =>
        TNetwork.OutputSize != data.SampleSize
            ? $": an autoencoder data set's targets are its samples, so the network must output as many values as it takes ({data.SampleSize}), " +
              $"but {typeof(TNetwork).Name} outputs {Shape(TNetwork.OutputShape)}."
            : $": an autoencoder data set's targets are its samples, which '{Loss.Name}' cannot take; use MeanSquaredError, or BinaryCrossEntropy for values in [0, 1].";

    private static string Shape(ReadOnlySpan<int> shape)
    {
        var text = "(";
        for (var i = 0; i < shape.Length; i++) text += (i > 0 ? ", " : "") + shape[i];
        return text + ")";
    }
}
