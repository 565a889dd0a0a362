using Microsoft.CodeAnalysis;

namespace Unroll.Generators;

/// <summary>Every diagnostic the generator reports. Ids are stable; docs/diagnostics.md shows an example of each.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Unroll";

    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        "UNR0001", "Network class must be partial",
        "Network class '{0}' must be declared partial so the generator can add its forward and backward passes; write 'partial class {0}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayersWithoutNetwork = new(
        "UNR0002", "Layer attributes without [Network]",
        "Class '{0}' has layer attribute [{1}] but no [Network] attribute, so no network is generated; add [Network(...)] with the input shape, such as [Network(784)] or [Network(1, 28, 28)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidInputShape = new(
        "UNR0003", "Invalid network input shape",
        "[Network] of '{0}' has input shape {1}, but {2}; give (features), (steps, features), (channels, height, width) or (channels, depth, height, width) with every dimension at least 1, such as [Network(784)] or [Network(1, 28, 28)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoLayers = new(
        "UNR0004", "Network has no layers",
        "Network '{0}' has no layers; add layer attributes after [Network], such as [Dense(10), Softmax]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidLayerArgument = new(
        "UNR0005", "Invalid layer argument",
        "{0} '{1}' has {2}, but {3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DenseNeedsVectorInput = new(
        "UNR0006", "Dense layer needs a 1-D input",
        "Dense '{0}' expects a 1-D input but receives {1}; add [Flatten] before it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SpatialLayerNeedsImageInput = new(
        "UNR0007", "Convolution or pooling needs a 3-D input",
        "{0} '{1}' expects a (channels, height, width) input but receives {2}; move it before [Flatten] or give [Network] a (channels, height, width) shape",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor WindowLargerThanInput = new(
        "UNR0008", "Kernel or window larger than its input",
        "{0} '{1}' has a {2} {3} but its input is {4} with padding {5}; use a smaller {3}, add padding (Pad or Padding = Padding.Same), or remove a pooling layer before it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateLayerName = new(
        "UNR0009", "Duplicate layer name",
        "Layer name '{0}' is already used by layer {1} ('{2}'){3}; give each layer a distinct Name",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedClass = new(
        "UNR0010", "Unsupported network class",
        "'{0}' cannot be a network because {1}; {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "UNR0011", "Containing type must be partial",
        "Network '{0}' is nested in '{1}', which must be declared partial too so the generator can add the network's members; write 'partial {2} {1}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StrideLeavesInputUnused = new(
        "UNR0012", "Stride leaves part of the input unused",
        "{0} '{1}' with a {2} window and stride {3} over its {4}×{5} input (padding {6}) never reads the last {7} row(s) and {8} column(s); adjust the stride, kernel or padding if that is not intended",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayerOnOtherDeclaration = new(
        "UNR0013", "Layer attribute on another partial declaration",
        "Layer attribute [{0}] of network '{1}' is on a different partial declaration from [Network], so its place in the layer order is ambiguous; move it next to [Network]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NetworkTooLarge = new(
        "UNR0014", "Layer size too large",
        "{0} '{1}' needs {2} values for {3}, more than the {4} a buffer can hold; use fewer units or filters, less padding or a smaller input",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedConstruct = new(
        "UNR0015", "Unsupported construct in a definition method",
        "{0} is not supported in a definition method; {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotConstant = new(
        "UNR0016", "Value not known at compile time",
        "'{0}' is not a value the generator can compute at compile time: {1}; use literals, constants, parameters and locals computed from them",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DefinitionSignature = new(
        "UNR0017", "Definition method has the wrong signature",
        "Definition method 'Define' of network '{0}' must be declared 'static Tensor Define(Tensor x)' (or return a tuple of Tensors, main output first), but {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor EvaluationTooLong = new(
        "UNR0018", "Definition method runs too long",
        "Evaluating the definition method of '{0}' took more than {1} steps; loops must end after a number of iterations known at compile time",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RecursionTooDeep = new(
        "UNR0019", "Definition method helpers nest too deep",
        "Call to '{0}' nests helper calls more than {1} deep{2}; a recursive helper needs a base case the generator reaches at compile time",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor AddShapeMismatch = new(
        "UNR0020", "Add needs inputs of the same shape",
        "Add '{0}' needs inputs of the same shape but receives {1}{2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ConcatShapeMismatch = new(
        "UNR0021", "Concat needs 3-D inputs of the same height and width",
        "Concat '{0}' joins (channels, height, width) inputs of the same height and width along channels but receives {1}{3}; {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GroupsMustDivideChannels = new(
        "UNR0022", "Convolution groups must divide the channels",
        "Conv2D '{0}' has groups {1}, which must divide both its input channels ({2}) and its filters ({3}){4}; choose groups that divide both",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor AttributesAndDefinition = new(
        "UNR0023", "Network has both layer attributes and a definition method",
        "Network '{0}' has both layer attributes and a definition method 'Define'; declare its layers one way: remove the attributes or the method",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DefinitionWithoutLayers = new(
        "UNR0024", "Definition method returns its input",
        "The definition method of '{0}' returns {1} without applying a layer to it; apply at least one layer, such as 'return x.Dense(10).Softmax();'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NestingTooDeep = new(
        "UNR0025", "Definition method nests too deep",
        "'{0}' nests expressions or statements more than {1} deep in a definition method{2}; split it into locals or helper methods",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ValueTooLarge = new(
        "UNR0026", "Definition method builds too large a value",
        "'{0}' makes {1}, more than the {2} a definition method may build at compile time; {3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ArithmeticError = new(
        "UNR0027", "Arithmetic error in a definition method",
        "'{0}' {1} when the generator evaluates it at compile time; {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor AttributeMismatch = new(
        "UNR0028", "Attribute does not match Unroll's",
        "Attribute '{0}' on '{1}' {2}; use Unroll's own attributes, and rename any class of the same name that hides one",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassNameIsGeneratedMember = new(
        "UNR0030", "Network class has the name of a generated member",
        "Network class '{0}' has the name of {1}, and a C# member cannot have its class's name; {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InputRankMismatch = new(
        "UNR0031", "Layer input has the wrong rank",
        "{0} '{1}' expects a {2} input but receives {3}{5}; {4}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ReshapeSizeMismatch = new(
        "UNR0032", "Reshape changes the number of values",
        "Reshape '{0}' cannot read its input {1}, {2} values, as {3}{5}; {4}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new(
        "UNR9999", "Unroll generator internal error",
        "The Unroll generator failed on '{0}': {1}: {2}; please report this with the declaration that caused it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
