using System;

namespace Unroll;

/// <summary>Exports a network's inference graph as an ONNX model, which ONNX Runtime, TensorRT, OpenVINO and others run.</summary>
public static class OnnxExport
{
    /// <summary>
    /// Writes the network, with its current weights and running statistics, as an ONNX model (opset
    /// <see cref="OnnxGraph.Opset"/>) to <paramref name="path"/>: one input <c>input</c> of shape [batch, …the network's
    /// input shape] (renamed if a layer is called <c>input</c>), and one output per <see cref="INetwork.Outputs"/>, named
    /// after its layer, main output first. The graph is the inference pass: dropout is left out and BatchNorm uses its
    /// running statistics. The file is written whole or not at all, as <see cref="SafeTensors.SaveWeights"/> writes; weights
    /// that are not finite are refused, naming the parameter.
    /// </summary>
    public static void SaveOnnx(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        AtomicFile.CheckTarget(path, "the ONNX model");
        ProtoMessage model;
        using (network.UseGuard.Enter("SaveOnnx")) // weights a training step is writing would be torn
        {
            var graph = new OnnxGraph(network.GetType().Name);
            network.WriteOnnx(graph);
            model = graph.ToModel(typeof(OnnxGraph).Assembly.GetName().Version?.ToString(3) ?? "");
        }
        AtomicFile.Write(path, "the ONNX model", model.WriteTo);
    }
}
