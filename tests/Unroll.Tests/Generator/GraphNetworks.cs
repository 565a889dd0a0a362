namespace Unroll.Tests.Generator;

/// <summary>Definition-method networks used by the graph generator tests, as source text.</summary>
internal static class GraphNetworks
{
    /// <summary>A small ResNet: stages from a foreach over tuples, blocks from a helper, a projection shortcut chosen by a shape query.</summary>
    public const string ResNet = """
        using Unroll;
        [Network(3, 32, 32)]
        public partial class SmallResNet
        {
            const int Classes = 10;

            static Tensor Define(Tensor x)
            {
                x = x.Conv2D(16, 3, padding: Padding.Same, useBias: false).BatchNorm().Relu();
                foreach (var (filters, blocks, stride) in new[] { (16, 2, 1), (32, 2, 2), (64, 1, 2) })
                    for (var i = 0; i < blocks; i++)
                        x = Block(x, filters, i == 0 ? stride : 1);
                return x.GlobalAvgPool2D().Dense(Classes).Softmax();
            }

            static Tensor Block(Tensor x, int filters, int stride)
            {
                var y = x.Conv2D(filters, 3, stride: stride, padding: Padding.Same, useBias: false).BatchNorm().Relu()
                         .Conv2D(filters, 3, padding: Padding.Same, useBias: false).BatchNorm();
                var shortcut = x;
                if (x.Channels != filters || stride != 1)
                    shortcut = x.Conv2D(filters, 1, stride: stride, useBias: false).BatchNorm();
                return (y + shortcut).Relu();
            }
        }
        """;

    /// <summary>Inception-style blocks joined with Concat, rectangular kernels, and an auxiliary output with a loss weight.</summary>
    public const string Inception = """
        using Unroll;
        [Network(3, 17, 17)]
        public partial class SmallInception
        {
            static (Tensor, Tensor) Define(Tensor x)
            {
                x = x.ZeroPadding2D(1).Conv2D(16, 3).Relu();
                var widths = new[] { 8, 12 };
                for (var i = 0; i < widths.Length; i++) x = Mixed(x, widths[i]);
                var aux = x.AvgPool2D(5, stride: 3).Conv2D(8, 1).Relu().Flatten().Dense(5, name: "aux_logits").Softmax(name: "aux");
                x = x.MaxPool2D(3, stride: 2, padding: Padding.Same);
                x = x.SeparableConv2D(24, 3, padding: Padding.Same).DepthwiseConv2D(3, depthMultiplier: 2, padding: Padding.Same)
                     .Conv2D(48, 1, groups: 4).Relu();
                var main = x.GlobalAvgPool2D().Dropout(0.2).Dense(5).Softmax();
                return (main, aux.LossWeight(0.3));
            }

            static Tensor Mixed(Tensor x, int width)
            {
                var a = x.Conv2D(width, 1).Relu();
                var b = x.Conv2D(width, 1).Relu().Conv2D(width, (1, 3), padding: Padding.Same).Relu().Conv2D(width, (3, 1), padding: Padding.Same).Relu();
                var c = x.AvgPool2D(3, stride: 1, padding: Padding.Same).Conv2D(width / 2, 1).Relu();
                return Tensor.Concat(a, b, c);
            }
        }
        """;

    /// <summary>A residual block and a concatenation, small enough to check every backend call.</summary>
    public const string ResidualConcat = """
        using Unroll;
        [Network(2, 4, 4)]
        public partial class ResidualConcat
        {
            static Tensor Define(Tensor x)
            {
                var a = x.Conv2D(3, 1);
                var b = a.Relu();
                var c = a + b;
                var d = Tensor.Concat(c, a);
                return d.Flatten().Dense(2);
            }
        }
        namespace Unroll
        {
            public static class ParameterInitializer
            {
                public static void Initialize(System.Collections.Generic.IReadOnlyList<Parameter> parameters, int seed) { }
            }
        }
        """;
}
