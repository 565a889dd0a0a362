using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Unroll.Generators.Layers;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// Runs a network's definition method (<c>static Tensor Define(Tensor x)</c>) at compile time over Roslyn's operation tree:
/// a small interpreter for integers, doubles, booleans, strings, tuples and arrays of constants, with locals, <c>if</c>,
/// <c>?:</c>, loops and calls to the class's static helpers. Each Tensor method call becomes a layer node, <c>+</c> an Add node
/// and <c>Tensor.Concat</c> a Concat node. Shape queries (<c>x.Channels</c>) are answered by <see cref="ShapeChecker.Infer"/>,
/// the same rule the checker applies. Anything outside the subset is a diagnostic at its location, never an exception.
/// The work is bounded: steps (<see cref="MaxSteps"/>), helper depth (<see cref="MaxDepth"/>), native recursion
/// (<see cref="MaxNesting"/>; left-nested chains such as <c>a + b + c</c> and <c>x.Relu().Relu()</c> are walked in a loop)
/// and the size of every value it builds (strings, tuples, arrays, layers), so that no declaration can exhaust the
/// compiler's stack, memory or time. A method the compiler already reports errors in is left to those errors.
/// </summary>
internal sealed class DefinitionEvaluator
{
    public const int MaxSteps = 1_000_000;
    public const int MaxDepth = 64;
    /// <summary>Nested expressions and statements being evaluated at once, over all helper frames (each costs native stack).</summary>
    public const int MaxNesting = 400;
    /// <summary>
    /// Syntax nesting of one method, checked before Roslyn binds it. Roslyn's binder and nullable analysis recurse per
    /// nested expression: on a 1 MB stack they overflow near 1,000 nested unary operators and 600 chained calls
    /// (<c>x.Relu().Relu()…</c>, two levels a link here), before our own limits. Left operands of binary chains
    /// (<c>a + b + …</c>) and else-if chains cost nothing: Roslyn binds those in loops, and so does this evaluator.
    /// </summary>
    public const int MaxSyntaxNesting = 200;
    public const int MaxStringLength = 4_096;
    /// <summary>Values in one tuple or array, counted through nested tuples and arrays.</summary>
    public const int MaxElements = 10_000;
    public const int MaxValueNesting = 32;
    public const int MaxLayers = 10_000;
    // Building a string costs a step per this many characters, so that copying long strings counts against MaxSteps.
    private const int CharactersPerStep = 64;
    // How much of a value a diagnostic or a helper's call description quotes.
    private const int PreviewLength = 80;
    private const string TensorName = "Unroll.Tensor";

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol _network;
    private readonly Shape _input;
    private readonly CancellationToken _cancellationToken;
    private readonly List<LayerNode> _nodes = new();
    private readonly List<Shape?> _shapes = new();
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly List<Frame> _frames = new();
    private readonly Dictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly Dictionary<SyntaxNode, bool> _hasCompilerErrors = new();
    private int _steps;
    private int _nesting;
    private object? _returned;

    private DefinitionEvaluator(Compilation compilation, INamedTypeSymbol network, Shape input, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _network = network;
        _input = input;
        _diagnostics = diagnostics;
        _cancellationToken = cancellationToken;
    }

    /// <summary>A Tensor value: the node that produces it (−1 for the network input) and, on an output, its loss weight.</summary>
    private sealed record TensorValue(int Node, double? LossWeight);

    /// <summary>A tuple or array; its size and nesting are counted once, when it is built, to bound what formatting it costs.</summary>
    private abstract class CompositeValue
    {
        protected CompositeValue(object?[] items)
        {
            Items = items;
            foreach (var item in items)
            {
                if (item is CompositeValue inner)
                {
                    Elements += inner.Elements;
                    Nesting = Math.Max(Nesting, inner.Nesting);
                }
                else
                {
                    Elements++;
                }
            }
            Nesting++;
        }

        public object?[] Items { get; }
        /// <summary>Values inside, counted through nesting (an item shared twice counts twice, as formatting visits it twice).</summary>
        public long Elements { get; }
        public int Nesting { get; }
    }

    private sealed class TupleValue(object?[] items) : CompositeValue(items);

    private sealed class ArrayValue(object?[] items) : CompositeValue(items);

    private sealed class Frame
    {
        public Frame(string method, string arguments, int callLine)
        {
            Method = method;
            Arguments = arguments;
            CallLine = callLine;
        }

        public string Method { get; }
        public string Arguments { get; }
        public int CallLine { get; }
        public Dictionary<ISymbol, object?> Locals { get; } = new(SymbolEqualityComparer.Default);
        /// <summary>The call chain that reached this frame, computed once: every layer the frame makes carries it.</summary>
        public string? Context { get; set; }
        public string Describe() => $"{Method}({Arguments})";
    }

    /// <summary>Unwinds the evaluation after a diagnostic was reported (or, silently, at a shape query on an unknown shape).</summary>
    private sealed class Stop : Exception { }

    private enum Flow { Normal, Break, Continue, Return }

    /// <summary>
    /// Evaluates <paramref name="define"/> into layer nodes and outputs. Returns the nodes (only those the outputs depend on)
    /// and the outputs; an empty output list means the evaluation stopped (a diagnostic says why, or a shape error the checker reports).
    /// </summary>
    public static (LayerNode[] Nodes, OutputSpec[] Outputs) Evaluate(
        Compilation compilation, INamedTypeSymbol network, IMethodSymbol define, MethodDeclarationSyntax syntax, Shape input,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var evaluator = new DefinitionEvaluator(compilation, network, input, diagnostics, cancellationToken);
        return evaluator.Run(define, syntax);
    }

    private (LayerNode[] Nodes, OutputSpec[] Outputs) Run(IMethodSymbol define, MethodDeclarationSyntax syntax)
    {
        object? result;
        try
        {
            var frame = new Frame("Define", "", 0);
            frame.Locals[define.Parameters[0]] = new TensorValue(-1, null);
            result = Invoke(frame, syntax);
        }
        catch (Stop)
        {
            return (_nodes.ToArray(), Array.Empty<OutputSpec>());
        }

        var returned = result is TupleValue tuple ? tuple.Items : new[] { result };
        var outputs = new List<OutputSpec>();
        foreach (var item in returned)
        {
            if (item is not TensorValue tensor)
            {
                Report(DiagnosticDescriptors.UnsupportedConstruct, syntax.Identifier, "a returned value that is not a Tensor",
                    "return the network's output Tensor, or a tuple of Tensors with the main output first");
                return (_nodes.ToArray(), Array.Empty<OutputSpec>());
            }
            if (tensor.Node < 0)
            {
                Report(DiagnosticDescriptors.DefinitionWithoutLayers, syntax.Identifier, _network.Name,
                    outputs.Count == 0 && returned.Length == 1 ? "its input" : $"its input as output {outputs.Count + 1}");
                return (_nodes.ToArray(), Array.Empty<OutputSpec>());
            }
            if (outputs.Any(o => o.Node == tensor.Node))
            {
                Report(DiagnosticDescriptors.UnsupportedConstruct, syntax.Identifier, "returning the same Tensor twice",
                    "each output must be a different layer");
                return (_nodes.ToArray(), Array.Empty<OutputSpec>());
            }
            outputs.Add(new OutputSpec(tensor.Node, tensor.LossWeight ?? 1.0));
        }
        return Prune(outputs);
    }

    /// <summary>Keeps only the nodes some output depends on (an unused branch is not a layer), renumbered in evaluation order.</summary>
    private (LayerNode[] Nodes, OutputSpec[] Outputs) Prune(List<OutputSpec> outputs)
    {
        var used = new bool[_nodes.Count];
        var stack = new Stack<int>(outputs.Select(o => o.Node));
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node < 0 || used[node]) continue;
            used[node] = true;
            foreach (var input in _nodes[node].Inputs) stack.Push(input);
        }
        var map = new int[_nodes.Count];
        var kept = new List<LayerNode>();
        for (var i = 0; i < _nodes.Count; i++)
        {
            if (!used[i]) { map[i] = -2; continue; }
            map[i] = kept.Count;
            var node = _nodes[i];
            kept.Add(node with { Inputs = new EquatableArray<int>(node.Inputs.Select(j => j < 0 ? j : map[j]).ToArray()) });
        }
        return (kept.ToArray(), outputs.Select(o => o with { Node = map[o.Node] }).ToArray());
    }

    // ---- Calls ----------------------------------------------------------------------------------------------------

    private object? Invoke(Frame frame, MethodDeclarationSyntax syntax)
    {
        if (!_models.TryGetValue(syntax.SyntaxTree, out var model))
            _models[syntax.SyntaxTree] = model = _compilation.GetSemanticModel(syntax.SyntaxTree);
        // The compiler reports its own errors in this method (a misspelt argument, a missing type); a second, vaguer
        // diagnostic from us would only mislead, so stop quietly and emit nothing.
        if (TooDeep(syntax) is { } deep)
        {
            // Reported at the method's name: a location inside the expression makes the compiler bind the method to
            // look for [SuppressMessage] on the enclosing local, which is the very recursion this avoids.
            var statement = deep.AncestorsAndSelf().FirstOrDefault(n => n is StatementSyntax or ArrowExpressionClauseSyntax) ?? deep;
            Report(DiagnosticDescriptors.NestingTooDeep, syntax.Identifier, Describe(statement), MaxSyntaxNesting.ToString(CultureInfo.InvariantCulture), "");
            throw new Stop();
        }
        if (HasCompilerErrors(model, syntax)) throw new Stop();
        var body = model.GetOperation(syntax, _cancellationToken) as IMethodBodyOperation;
        var block = (IOperation?)body?.BlockBody ?? body?.ExpressionBody;
        if (block is null)
        {
            Report(DiagnosticDescriptors.UnsupportedConstruct, syntax.Identifier, "a method without a body",
                "give it a block or expression body");
            throw new Stop();
        }
        _frames.Add(frame);
        _returned = null;
        Exec(block);
        _frames.RemoveAt(_frames.Count - 1);
        var result = _returned;
        _returned = null;
        return result;
    }

    /// <summary>A node of <paramref name="method"/> nested more than <see cref="MaxSyntaxNesting"/> deep, or null; walked with a stack of our own.</summary>
    private static SyntaxNode? TooDeep(MethodDeclarationSyntax method)
    {
        var pending = new Stack<(SyntaxNode Node, int Depth)>();
        pending.Push((method, 0));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            if (depth > MaxSyntaxNesting) return node;
            foreach (var child in node.ChildNodes())
            {
                var flat = node is BinaryExpressionSyntax binary && binary.Left == child
                    || node is ElseClauseSyntax || child is ElseClauseSyntax;
                pending.Push((child, flat ? depth : depth + 1));
            }
        }
        return null;
    }

    private bool HasCompilerErrors(SemanticModel model, MethodDeclarationSyntax syntax)
    {
        if (_hasCompilerErrors.TryGetValue(syntax, out var known)) return known;
        var errors = model.GetDiagnostics(syntax.Span, _cancellationToken).Any(d => d.DefaultSeverity == DiagnosticSeverity.Error);
        _hasCompilerErrors[syntax] = errors;
        return errors;
    }

    private object? CallHelper(IInvocationOperation call)
    {
        var method = call.TargetMethod;
        if (method.MethodKind == MethodKind.LocalFunction)
            Unsupported(call, $"calling the local function '{method.Name}'", "make it a static method of the network class");
        if (!method.IsStatic || method.IsGenericMethod)
            Unsupported(call, $"calling '{method.Name}'", "helpers must be static, non-generic methods of the network class");
        if (method.DeclaringSyntaxReferences.Length == 0 ||
            method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is not MethodDeclarationSyntax syntax)
        {
            Unsupported(call, $"calling '{method.Name}'", "the helper's source must be in this compilation");
            return null;
        }
        if (_frames.Count >= MaxDepth)
        {
            Report(DiagnosticDescriptors.RecursionTooDeep, call.Syntax, method.Name, MaxDepth.ToString(CultureInfo.InvariantCulture), Context());
            throw new Stop();
        }

        var values = new List<(IParameterSymbol Parameter, object? Value)>();
        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter is null) Unsupported(argument, Code(argument), "an argument without a parameter");
            values.Add((argument.Parameter!, Eval(argument.Value)));
        }
        var text = string.Join(", ", values.Where(v => v.Value is not TensorValue).OrderBy(v => v.Parameter.Ordinal)
            .Select(v => v.Parameter.Name + ": " + Preview(v.Value)));
        var frame = new Frame(method.Name, text, call.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1);
        foreach (var (parameter, value) in values) frame.Locals[parameter] = value;
        return Invoke(frame, syntax);
    }

    /// <summary>", in Block(filters: 64), called from Define line 7" for a node made inside a helper; "" in Define itself.</summary>
    private string Context()
    {
        if (_frames.Count <= 1) return "";
        var current = _frames[_frames.Count - 1];
        if (current.Context is { } cached) return cached;
        var text = new StringBuilder(", in ").Append(current.Describe());
        for (var k = _frames.Count - 1; k >= 1; k--)
        {
            var caller = k - 1 == 0 ? "Define" : _frames[k - 1].Describe();
            text.Append(", called from ").Append(caller).Append(" line ").Append(_frames[k].CallLine.ToString(CultureInfo.InvariantCulture));
        }
        return current.Context = text.ToString();
    }

    /// <summary>A value as diagnostics and call descriptions show it: strings quoted, cut to <see cref="PreviewLength"/> characters.</summary>
    private static string Preview(object? value)
    {
        var text = new StringBuilder();
        if (!AppendValue(text, value, quoteStrings: true, PreviewLength)) return text.ToString(0, PreviewLength) + "…";
        return text.ToString();
    }

    /// <summary>
    /// Appends <paramref name="value"/> as text: strings as they are (or quoted), numbers invariant, tuples "(a, b)", arrays
    /// "[a, b]". Returns false as soon as the text passes <paramref name="limit"/> characters, so a huge value costs little.
    /// Recursion is bounded by <see cref="MaxValueNesting"/>, which every tuple and array was checked against when built.
    /// </summary>
    private static bool AppendValue(StringBuilder text, object? value, bool quoteStrings, int limit)
    {
        switch (value)
        {
            case null: text.Append("null"); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case int i: text.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case double d: text.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
            case string str when quoteStrings: text.Append('"').Append(str).Append('"'); break;
            case string str: text.Append(str); break;
            case CompositeValue composite:
                var tuple = composite is TupleValue;
                text.Append(tuple ? '(' : '[');
                for (var k = 0; k < composite.Items.Length; k++)
                {
                    if (k > 0) text.Append(", ");
                    if (!AppendValue(text, composite.Items[k], quoteStrings, limit)) return false;
                }
                text.Append(tuple ? ')' : ']');
                break;
            default: text.Append(value.ToString()); break;
        }
        return text.Length <= limit;
    }

    /// <summary>The text of <paramref name="value"/> inside a string being built at <paramref name="at"/>, at most <paramref name="room"/> characters.</summary>
    private string TextOf(IOperation at, object? value, int room)
    {
        if (value is string s) return s; // its length is checked where it is joined
        var text = new StringBuilder();
        if (!AppendValue(text, value, quoteStrings: false, room)) StringTooLong(at, null);
        return text.ToString();
    }

    /// <summary>Concatenates at <paramref name="at"/>, reporting UNR0026 instead of building a string longer than <see cref="MaxStringLength"/>.</summary>
    private string Concat(IOperation at, string left, string right)
    {
        var length = (long)left.Length + right.Length;
        if (length > MaxStringLength) StringTooLong(at, length);
        Charge(at, (int)(length / CharactersPerStep));
        return left + right;
    }

    /// <summary>Reports UNR0026 for a string of <paramref name="length"/> characters (null: formatting stopped past the limit).</summary>
    private void StringTooLong(IOperation at, long? length)
    {
        var limit = MaxStringLength.ToString("N0", CultureInfo.InvariantCulture);
        Report(DiagnosticDescriptors.ValueTooLarge, at.Syntax, Describe(at),
            length is { } n ? $"a string of {n.ToString("N0", CultureInfo.InvariantCulture)} characters" : $"a string of more than {limit} characters",
            $"{limit} characters",
            "strings in a definition method are for layer names, which stay short");
        throw new Stop();
    }

    /// <summary>Returns a tuple or array built at <paramref name="at"/>, or reports UNR0026 if it holds or nests too much.</summary>
    private T Checked<T>(IOperation at, T value) where T : CompositeValue
    {
        var kind = value is TupleValue ? "tuple" : "array";
        string? problem = null, limit = null;
        if (value.Elements > MaxElements)
        {
            problem = $"a {kind} of {value.Elements.ToString("N0", CultureInfo.InvariantCulture)} values";
            limit = $"{MaxElements.ToString("N0", CultureInfo.InvariantCulture)} values";
        }
        else if (value.Nesting > MaxValueNesting)
        {
            problem = $"a {kind} nested {value.Nesting.ToString(CultureInfo.InvariantCulture)} deep";
            limit = $"{MaxValueNesting.ToString(CultureInfo.InvariantCulture)} levels of nesting";
        }
        if (problem is null) return value;
        Report(DiagnosticDescriptors.ValueTooLarge, at.Syntax, Describe(at), problem, limit!,
            "tuples and arrays in a definition method hold layer settings, not data");
        throw new Stop();
    }

    // ---- Statements -----------------------------------------------------------------------------------------------

    private Frame Current => _frames[_frames.Count - 1];

    private void Step(IOperation at) => Charge(at, 1);

    /// <summary>Counts <paramref name="steps"/> against <see cref="MaxSteps"/>, reporting UNR0018 at <paramref name="at"/> past it.</summary>
    private void Charge(IOperation at, int steps)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _steps += steps;
        if (_steps <= MaxSteps) return;
        Report(DiagnosticDescriptors.EvaluationTooLong, at.Syntax, _network.Name, MaxSteps.ToString("N0", CultureInfo.InvariantCulture));
        throw new Stop();
    }

    /// <summary>
    /// Enters one level of native recursion for <paramref name="at"/>; the caller leaves it with <c>_nesting--</c>.
    /// The count bounds the stack the evaluator needs; the runtime's own check backs it up on a thread with a small stack.
    /// </summary>
    private void Enter(IOperation at)
    {
        var tooDeep = ++_nesting > MaxNesting;
        if (!tooDeep)
        {
            try { RuntimeHelpers.EnsureSufficientExecutionStack(); }
            catch (InsufficientExecutionStackException) { tooDeep = true; }
        }
        if (!tooDeep) return;
        Report(DiagnosticDescriptors.NestingTooDeep, at.Syntax, Describe(at), MaxNesting.ToString(CultureInfo.InvariantCulture), Context());
        throw new Stop();
    }

    private Flow Exec(IOperation op)
    {
        Enter(op);
        try
        {
            return ExecCore(op);
        }
        finally
        {
            _nesting--;
        }
    }

    private Flow ExecCore(IOperation op)
    {
        // else-if chains nest to the right; the chosen branch is run in this loop, not by a recursive call.
        while (true)
        {
            Step(op);
            if (op is not IConditionalOperation conditional) break;
            var branch = EvalBool(conditional.Condition) ? conditional.WhenTrue : conditional.WhenFalse;
            if (branch is null) return Flow.Normal;
            op = branch;
        }

        switch (op)
        {
            case IBlockOperation block:
                foreach (var statement in block.Operations)
                {
                    var flow = Exec(statement);
                    if (flow != Flow.Normal) return flow;
                }
                return Flow.Normal;

            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                {
                    foreach (var declarator in declaration.Declarators)
                    {
                        var initializer = declarator.Initializer ?? declaration.Initializer;
                        Current.Locals[declarator.Symbol] = initializer is null ? null : Eval(initializer.Value);
                    }
                }
                return Flow.Normal;

            case IExpressionStatementOperation statement:
                Eval(statement.Operation);
                return Flow.Normal;

            case IReturnOperation ret:
                _returned = ret.ReturnedValue is null ? null : Eval(ret.ReturnedValue);
                return Flow.Return;

            case IForLoopOperation loop:
                foreach (var before in loop.Before) Exec(before);
                while (true)
                {
                    Step(loop);
                    if (loop.Condition is not null && !EvalBool(loop.Condition)) break;
                    var flow = Exec(loop.Body);
                    if (flow == Flow.Break) break;
                    if (flow == Flow.Return) return flow;
                    foreach (var after in loop.AtLoopBottom) Exec(after);
                }
                return Flow.Normal;

            case IForEachLoopOperation each:
                var collection = Eval(each.Collection);
                if (collection is not ArrayValue array)
                {
                    Unsupported(each.Collection, Code(each.Collection), "foreach works over arrays and collection expressions of constants or tuples");
                    return Flow.Normal;
                }
                foreach (var item in array.Items)
                {
                    Step(each);
                    Assign(each.LoopControlVariable, item);
                    var flow = Exec(each.Body);
                    if (flow == Flow.Break) break;
                    if (flow == Flow.Return) return flow;
                }
                return Flow.Normal;

            case IWhileLoopOperation loop:
                while (true)
                {
                    Step(loop);
                    if (loop.ConditionIsTop && loop.Condition is not null && EvalBool(loop.Condition) == loop.ConditionIsUntil) break;
                    var flow = Exec(loop.Body);
                    if (flow == Flow.Break) break;
                    if (flow == Flow.Return) return flow;
                    if (!loop.ConditionIsTop && loop.Condition is not null && EvalBool(loop.Condition) == loop.ConditionIsUntil) break;
                }
                return Flow.Normal;

            case IBranchOperation { BranchKind: BranchKind.Break }:
                return Flow.Break;

            case IBranchOperation { BranchKind: BranchKind.Continue }:
                return Flow.Continue;

            case IEmptyOperation:
                return Flow.Normal;

            case ILocalFunctionOperation function:
                Unsupported(op, $"the local function '{function.Symbol.Name}'", "make it a static method of the network class");
                return Flow.Normal;

            default:
                Unsupported(op, Code(op), "definition methods may use locals, if, for, foreach, while, return and expressions");
                return Flow.Normal;
        }
    }

    /// <summary>The first line of the operation's source, cut to 60 characters, for messages.</summary>
    private static string Describe(IOperation op) => Describe(op.Syntax);

    private static string Describe(SyntaxNode syntax)
    {
        var text = syntax.ToString();
        var line = text.IndexOf('\n');
        if (line >= 0) text = text.Substring(0, line).TrimEnd('\r', ' ');
        return text.Length > 60 ? text.Substring(0, 57) + "..." : text;
    }

    /// <summary><see cref="Describe"/> in quotes: the construct named by an UNR0015 message.</summary>
    private static string Code(IOperation op) => "'" + Describe(op) + "'";

    // ---- Expressions ----------------------------------------------------------------------------------------------

    private bool EvalBool(IOperation op)
    {
        var value = Eval(op);
        if (value is bool b) return b;
        Unsupported(op, Code(op), "a condition must be a bool computed at compile time");
        return false;
    }

    /// <summary>
    /// Evaluates an expression. Left-nested chains, the shape long expressions take (<c>a + b + c + …</c>,
    /// <c>x.Dense(8).Relu().Dense(4)…</c>, with conversions between their links), are walked down in a loop and applied
    /// bottom-up, so their length costs no native stack; only right operands and arguments recurse.
    /// </summary>
    private object? Eval(IOperation op)
    {
        Enter(op);
        try
        {
            List<IOperation>? chain = null;
            while (true)
            {
                Step(op);
                // The chosen branch of ?: is evaluated in place of the conditional (c1 ? a : c2 ? b : … nests to the right).
                if (op is IConditionalOperation { ConstantValue.HasValue: false, WhenFalse: not null } conditional)
                {
                    op = EvalBool(conditional.Condition) ? conditional.WhenTrue : conditional.WhenFalse;
                    continue;
                }
                if (ChainLink(op) is not { } inner) break;
                (chain ??= new List<IOperation>()).Add(op);
                op = inner;
            }
            var value = EvalLeaf(op);
            if (chain is not null)
                for (var k = chain.Count - 1; k >= 0; k--) value = Apply(chain[k], value);
            return value;
        }
        finally
        {
            _nesting--;
        }
    }

    /// <summary>The operand an operation evaluates first and builds on, for a link of a left-nested chain; null otherwise.</summary>
    private static IOperation? ChainLink(IOperation op)
    {
        if (op.ConstantValue.HasValue) return null;
        return op switch
        {
            IBinaryOperation binary => binary.LeftOperand,
            IConversionOperation conversion => conversion.Operand,
            IInvocationOperation { Instance: { } instance } call when IsTensor(call.TargetMethod.ContainingType) => instance,
            _ => null,
        };
    }

    /// <summary>Finishes a chain link given the value of its first operand.</summary>
    private object? Apply(IOperation op, object? first)
    {
        switch (op)
        {
            case IBinaryOperation binary when IsTensor(binary.OperatorMethod?.ContainingType):
                return AddNode(binary, first, Eval(binary.RightOperand));
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } logical:
                if (first is not bool left)
                {
                    Unsupported(logical.LeftOperand, Code(logical.LeftOperand), "a condition must be a bool computed at compile time");
                    return null;
                }
                // && stops at false, || at true.
                var stopsAt = logical.OperatorKind == BinaryOperatorKind.ConditionalOr;
                return left == stopsAt ? left : EvalBool(logical.RightOperand);
            case IBinaryOperation binary:
                return Binary(binary, binary.OperatorKind, first, Eval(binary.RightOperand));
            case IConversionOperation conversion:
                return Convert(conversion, first, conversion.Type);
            case IInvocationOperation call:
                return TensorMethod(call, first);
            default:
                Unsupported(op, Code(op), "definition methods may use int, double, bool and string values, tuples, arrays of constants, Tensor methods and static helpers of the network class");
                return null;
        }
    }

    /// <summary>Evaluates an operation that is not a chain link (its step is already counted).</summary>
    private object? EvalLeaf(IOperation op)
    {
        if (op.ConstantValue.HasValue) return Normalize(op.ConstantValue.Value);
        switch (op)
        {
            case ILocalReferenceOperation local:
                if (Current.Locals.TryGetValue(local.Local, out var localValue)) return localValue;
                Unsupported(op, $"'{local.Local.Name}'", "it is read before it is assigned");
                return null;

            case IParameterReferenceOperation parameter:
                if (Current.Locals.TryGetValue(parameter.Parameter, out var parameterValue)) return parameterValue;
                Unsupported(op, $"'{parameter.Parameter.Name}'", "it is not a parameter of the method being evaluated");
                return null;

            case IArgumentOperation argument:
                return Eval(argument.Value);

            case IUnaryOperation unary:
                var operand = Eval(unary.Operand);
                switch (unary.OperatorKind, operand)
                {
                    case (UnaryOperatorKind.Minus, int i):
                        if (i == int.MinValue) Overflow(op, $"-({Preview(i)})");
                        return -i;
                    case (UnaryOperatorKind.Minus, double d): return -d;
                    case (UnaryOperatorKind.Plus, int or double): return operand;
                    case (UnaryOperatorKind.Not, bool b): return !b;
                    case (UnaryOperatorKind.BitwiseNegation, int i): return ~i;
                }
                Unsupported(op, Code(op), "unary operators work on int, double and bool values");
                return null;

            case IConditionalOperation conditional:
                return EvalBool(conditional.Condition) ? Eval(conditional.WhenTrue) : Eval(conditional.WhenFalse!);

            case ISimpleAssignmentOperation assignment:
                var assigned = Eval(assignment.Value);
                Assign(assignment.Target, assigned);
                return assigned;

            case ICompoundAssignmentOperation compound:
                var current = Eval(compound.Target);
                var right = Eval(compound.Value);
                var combined = IsTensor(compound.OperatorMethod?.ContainingType)
                    ? AddNode(compound, current, right)
                    : Convert(compound, Binary(compound, compound.OperatorKind, current, right), compound.Target.Type);
                Assign(compound.Target, combined);
                return combined;

            case IIncrementOrDecrementOperation increment:
                if (Eval(increment.Target) is not int before)
                {
                    Unsupported(op, Code(op), "++ and -- work on int locals");
                    return null;
                }
                var increase = increment.Kind == OperationKind.Increment;
                if (before == (increase ? int.MaxValue : int.MinValue)) Overflow(op, $"{Preview(before)} {(increase ? "+" : "-")} 1");
                var after = increase ? before + 1 : before - 1;
                Assign(increment.Target, after);
                return increment.IsPostfix ? before : after;

            case IDeconstructionAssignmentOperation deconstruction:
                var tupleValue = Eval(deconstruction.Value);
                Assign(deconstruction.Target, tupleValue);
                return tupleValue;

            case ITupleOperation tuple:
                return Checked(op, new TupleValue(tuple.Elements.Select(Eval).ToArray()));

            case IArrayCreationOperation creation when creation.Initializer is not null:
                return Checked(op, new ArrayValue(creation.Initializer.ElementValues.Select(Eval).ToArray()));

            case ICollectionExpressionOperation collection:
                foreach (var element in collection.Elements)
                    if (element is ISpreadOperation) Unsupported(element, Code(element), "collection expressions may list values but not spread them");
                return Checked(op, new ArrayValue(collection.Elements.Select(Eval).ToArray()));

            case IArrayElementReferenceOperation element:
                if (Eval(element.ArrayReference) is ArrayValue items && element.Indices.Length == 1 && Eval(element.Indices[0]) is int index)
                {
                    if (index >= 0 && index < items.Items.Length) return items.Items[index];
                    Unsupported(op, Code(op), $"index {index} is outside the array of {items.Items.Length}");
                }
                Unsupported(op, Code(op), "arrays are indexed with one int");
                return null;

            case IFieldReferenceOperation field when field.Field.ContainingType?.IsTupleType == true && field.Instance is not null:
                if (Eval(field.Instance) is TupleValue fields)
                {
                    var tupleField = field.Field.CorrespondingTupleField ?? field.Field;
                    var position = tupleField.ContainingType.TupleElements.IndexOf(tupleField);
                    if (position < 0 && tupleField.Name.StartsWith("Item", StringComparison.Ordinal)
                        && int.TryParse(tupleField.Name.Substring(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) position = n - 1;
                    if (position >= 0 && position < fields.Items.Length) return fields.Items[position];
                }
                Unsupported(op, Code(op), "tuple elements are read from tuples the definition method built");
                return null;

            case IFieldReferenceOperation field:
                // A const without a value has an error in its declaration, which the compiler reports.
                if (field.Field.IsConst) throw new Stop();
                NotConstant(op, field.Field.Name, "it is a field that is not const");
                return null;

            case IPropertyReferenceOperation property when IsTensor(property.Property.ContainingType):
                return ShapeQuery(property);

            case IPropertyReferenceOperation { Property.Name: "Length", Instance: { } instance } when Eval(instance) is ArrayValue lengthOf:
                return lengthOf.Items.Length;

            case IPropertyReferenceOperation property:
                NotConstant(op, Describe(op), "only a Tensor's shape (Channels, Height, Width, Features, Rank) and an array's Length can be read");
                return null;

            case IInterpolatedStringOperation interpolated:
                var text = "";
                foreach (var part in interpolated.Parts)
                {
                    switch (part)
                    {
                        case IInterpolatedStringTextOperation literal:
                            text = Concat(part, text, literal.Text.ConstantValue.Value as string ?? "");
                            break;
                        case IInterpolationOperation { Alignment: null, FormatString: null } hole:
                            var value = Eval(hole.Expression);
                            text = Concat(part, text, TextOf(part, value, MaxStringLength - text.Length));
                            break;
                        default:
                            Unsupported(part, Code(part), "interpolated strings may hold values without alignment or format");
                            break;
                    }
                }
                return text;

            case IInvocationOperation call:
                return Invoke(call);

            case IDefaultValueOperation:
                return null;

            default:
                Unsupported(op, Code(op), "definition methods may use int, double, bool and string values, tuples, arrays of constants, Tensor methods and static helpers of the network class");
                return null;
        }
    }

    /// <summary>A static call: Tensor.Concat, a helper of the network class or a Math function.</summary>
    private object? Invoke(IInvocationOperation call)
    {
        var method = call.TargetMethod;
        var type = method.ContainingType;
        if (IsTensor(type))
        {
            if (method.Name == "Concat")
            {
                var inputs = new List<TensorValue>();
                foreach (var argument in call.Arguments)
                {
                    // Concat(a, b) passes an implicit params array: check each element where it is written.
                    var elements = argument is { ArgumentKind: ArgumentKind.ParamArray, Value: IArrayCreationOperation { Initializer: { } written } }
                        ? written.ElementValues
                        : ImmutableArray.Create(argument.Value);
                    foreach (var element in elements)
                    {
                        var value = Eval(element);
                        foreach (var item in value is ArrayValue array ? array.Items : new[] { value })
                        {
                            if (item is TensorValue tensor) inputs.Add(tensor);
                            else Unsupported(element, Code(element), "Tensor.Concat takes Tensors the definition method computed, not null");
                        }
                    }
                }
                if (inputs.Count == 0) Unsupported(call, Code(call), "Tensor.Concat joins at least one Tensor: pass the Tensors to join");
                return Node(call, new Concat(inputs.Count), null, inputs);
            }
            Unsupported(call, Code(call), "Tensor methods are called on Tensors the definition method computed");
            return null;
        }

        if (SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, _network.OriginalDefinition))
            return CallHelper(call);

        if (type?.ToDisplayString() == "System.Math" && method.Name is "Max" or "Min" or "Abs")
        {
            var values = call.Arguments.Select(a => Eval(a.Value)).ToArray();
            switch (method.Name, values.Length > 0 ? values[0] : null, values.Length > 1 ? values[1] : null)
            {
                case ("Max", int a, int b): return Math.Max(a, b);
                case ("Min", int a, int b): return Math.Min(a, b);
                case ("Abs", int a, null):
                    if (a == int.MinValue) Overflow(call, $"Math.Abs({Preview(a)})");
                    return Math.Abs(a);
                case ("Max", double a, double b): return Math.Max(a, b);
                case ("Min", double a, double b): return Math.Min(a, b);
                case ("Abs", double a, null): return Math.Abs(a);
            }
        }

        Unsupported(call, $"calling '{method.ContainingType?.Name}.{method.Name}'",
            $"only Tensor methods, Tensor.Concat, Math.Min/Max/Abs and static methods of '{_network.Name}' can be called");
        return null;
    }

    /// <summary>A Tensor method called on <paramref name="receiver"/>: a layer node, or the output's loss weight.</summary>
    private object? TensorMethod(IInvocationOperation call, object? receiver)
    {
        if (receiver is not TensorValue tensor)
        {
            Unsupported(call, Code(call), receiver is null
                ? "the Tensor it is called on is null; call it on the input or on a Tensor a layer returned"
                : "Tensor methods are called on Tensors the definition method computed");
            return null;
        }
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var argument in call.Arguments)
            if (argument.Parameter is not null) arguments[argument.Parameter.Name] = Eval(argument.Value);
        if (call.TargetMethod.Name == "LossWeight")
        {
            if (arguments.TryGetValue("weight", out var weight) && weight is double w && !double.IsNaN(w) && !double.IsInfinity(w) && w >= 0)
                return tensor with { LossWeight = w };
            Unsupported(call, Code(call), "a loss weight must be a finite number of 0 or more");
            return null;
        }
        return LayerNode(call, call.TargetMethod.Name, tensor, arguments);
    }

    private static bool IsTensor(ITypeSymbol? type) => type?.ToDisplayString() == TensorName;

    private static object? Normalize(object? value) => value switch
    {
        float f => (double)f,
        long l when l >= int.MinValue && l <= int.MaxValue => (int)l,
        short s => (int)s,
        byte b => (int)b,
        sbyte sb => (int)sb,
        ushort us => (int)us,
        uint ui when ui <= int.MaxValue => (int)ui,
        char c => c.ToString(),
        _ => value,
    };

    private object? Convert(IOperation at, object? value, ITypeSymbol? type)
    {
        if (type is null || value is null) return value;
        if (type.TypeKind == TypeKind.Enum) return value;
        switch (type.SpecialType)
        {
            case SpecialType.System_Int32:
                if (value is int) return value;
                if (value is double d)
                {
                    // (int)d outside int's range is unspecified at run time and CS0221 in a constant: an overflow here.
                    if (double.IsNaN(d) || d <= int.MinValue - 1.0 || d >= int.MaxValue + 1.0) Overflow(at, $"(int){Preview(d)}");
                    return (int)d;
                }
                break;
            case SpecialType.System_Double:
            case SpecialType.System_Single:
                if (value is int i) return (double)i;
                if (value is double) return value;
                break;
            case SpecialType.System_Boolean:
                if (value is bool) return value;
                break;
            case SpecialType.System_String:
                if (value is string) return value;
                break;
            default:
                if (type is INamedTypeSymbol { IsTupleType: true } tupleType && value is TupleValue tuple && tupleType.TupleElements.Length == tuple.Items.Length)
                {
                    Charge(at, tuple.Items.Length);
                    return new TupleValue(tuple.Items.Select((item, k) => Convert(at, item, tupleType.TupleElements[k].Type)).ToArray());
                }
                return value;
        }
        Unsupported(at, Code(at), $"a {Preview(value)} cannot become {type.ToDisplayString()} here");
        return null;
    }

    private object? Binary(IOperation at, BinaryOperatorKind kind, object? left, object? right)
    {
        switch (left, right)
        {
            case (int a, int b):
                // Checked, as the compiler checks constant expressions: a size that wrapped around is never what was meant.
                switch (kind)
                {
                    case BinaryOperatorKind.Add: return CheckedInt(at, (long)a + b, a, "+", b);
                    case BinaryOperatorKind.Subtract: return CheckedInt(at, (long)a - b, a, "-", b);
                    case BinaryOperatorKind.Multiply: return CheckedInt(at, (long)a * b, a, "*", b);
                    case BinaryOperatorKind.Divide or BinaryOperatorKind.Remainder when b == 0:
                        Report(DiagnosticDescriptors.ArithmeticError, at.Syntax, Describe(at),
                            $"divides by zero ({Preview(a)} {(kind == BinaryOperatorKind.Divide ? "/" : "%")} 0)", "make sure the divisor is not 0");
                        throw new Stop();
                    case BinaryOperatorKind.Divide: return CheckedInt(at, (long)a / b, a, "/", b);
                    case BinaryOperatorKind.Remainder: return (int)((long)a % b);
                    case BinaryOperatorKind.LeftShift: return a << b;
                    case BinaryOperatorKind.RightShift: return a >> b;
                    case BinaryOperatorKind.And: return a & b;
                    case BinaryOperatorKind.Or: return a | b;
                    case BinaryOperatorKind.ExclusiveOr: return a ^ b;
                    case BinaryOperatorKind.Equals: return a == b;
                    case BinaryOperatorKind.NotEquals: return a != b;
                    case BinaryOperatorKind.LessThan: return a < b;
                    case BinaryOperatorKind.LessThanOrEqual: return a <= b;
                    case BinaryOperatorKind.GreaterThan: return a > b;
                    case BinaryOperatorKind.GreaterThanOrEqual: return a >= b;
                }
                break;
            case (int or double, int or double):
                var x = System.Convert.ToDouble(left, CultureInfo.InvariantCulture);
                var y = System.Convert.ToDouble(right, CultureInfo.InvariantCulture);
                switch (kind)
                {
                    case BinaryOperatorKind.Add: return x + y;
                    case BinaryOperatorKind.Subtract: return x - y;
                    case BinaryOperatorKind.Multiply: return x * y;
                    case BinaryOperatorKind.Divide: return x / y;
                    case BinaryOperatorKind.Remainder: return x % y;
                    case BinaryOperatorKind.Equals: return x == y;
                    case BinaryOperatorKind.NotEquals: return x != y;
                    case BinaryOperatorKind.LessThan: return x < y;
                    case BinaryOperatorKind.LessThanOrEqual: return x <= y;
                    case BinaryOperatorKind.GreaterThan: return x > y;
                    case BinaryOperatorKind.GreaterThanOrEqual: return x >= y;
                }
                break;
            case (bool a, bool b):
                switch (kind)
                {
                    case BinaryOperatorKind.And: return a & b;
                    case BinaryOperatorKind.Or: return a | b;
                    case BinaryOperatorKind.ExclusiveOr: return a ^ b;
                    case BinaryOperatorKind.Equals: return a == b;
                    case BinaryOperatorKind.NotEquals: return a != b;
                }
                break;
            case (string a, string b) when kind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals:
                return (a == b) == (kind == BinaryOperatorKind.Equals);
            case (string a, _) when kind == BinaryOperatorKind.Add:
                return Concat(at, a, TextOf(at, right, MaxStringLength - a.Length));
            case (_, string b) when kind == BinaryOperatorKind.Add:
                return Concat(at, TextOf(at, left, MaxStringLength - b.Length), b);
        }
        Unsupported(at, Code(at), "operators work on int, double, bool and string values, and + on two Tensors");
        return null;
    }

    private int CheckedInt(IOperation at, long result, int a, string op, int b)
    {
        if (result < int.MinValue || result > int.MaxValue) Overflow(at, $"{Preview(a)} {op} {Preview(b)}");
        return (int)result;
    }

    private void Overflow(IOperation at, string computation)
    {
        Report(DiagnosticDescriptors.ArithmeticError, at.Syntax, Describe(at), $"overflows int ({computation})",
            "an int holds -2,147,483,648 to 2,147,483,647; use smaller values");
        throw new Stop();
    }

    private void Assign(IOperation target, object? value)
    {
        Enter(target);
        try
        {
            switch (target)
            {
                case ILocalReferenceOperation local:
                    Current.Locals[local.Local] = value;
                    return;
                case IParameterReferenceOperation parameter:
                    Current.Locals[parameter.Parameter] = value;
                    return;
                case IVariableDeclaratorOperation declarator:
                    Current.Locals[declarator.Symbol] = value;
                    return;
                case IDeclarationExpressionOperation declaration:
                    Assign(declaration.Expression, value);
                    return;
                case IDiscardOperation:
                    return;
                case ITupleOperation tuple when value is TupleValue items && items.Items.Length == tuple.Elements.Length:
                    for (var k = 0; k < items.Items.Length; k++) Assign(tuple.Elements[k], items.Items[k]);
                    return;
                default:
                    Unsupported(target, Code(target), "only locals and parameters can be assigned, and tuples deconstructed into them");
                    return;
            }
        }
        finally
        {
            _nesting--;
        }
    }

    // ---- Tensors --------------------------------------------------------------------------------------------------

    private object ShapeQuery(IPropertyReferenceOperation property)
    {
        if (Eval(property.Instance!) is not TensorValue tensor)
        {
            Unsupported(property, Code(property), "shapes are read from Tensors the definition method computed");
            throw new Stop();
        }
        // An unknown shape comes from a layer the checker reports; stop quietly and let it.
        var shape = tensor.Node < 0 ? (_input.Rank == 0 ? (Shape?)null : _input) : _shapes[tensor.Node];
        if (shape is not { } s) throw new Stop();
        switch (property.Property.Name)
        {
            case "Rank": return s.Rank;
            case "Features" when s.Rank is 1 or 2: return s.Features;
            case "Channels" or "Height" or "Width" when s.IsImage:
                return property.Property.Name == "Channels" ? s.Channels : property.Property.Name == "Height" ? s.Height : s.Width;
        }
        Unsupported(property, Code(property), $"it is not defined for a value of shape {s}; check Rank first");
        throw new Stop();
    }

    private TensorValue AddNode(IOperation at, object? left, object? right)
    {
        if (left is not TensorValue a || right is not TensorValue b)
        {
            Unsupported(at, Code(at), left is null || right is null ? "one of the Tensors it adds is null" : "+ adds two Tensors");
            throw new Stop();
        }
        return Node(at, new Add(), null, new List<TensorValue> { a, b });
    }

    /// <summary>A layer method on a Tensor: its unit from the catalog, its arguments bound as an attribute's are.</summary>
    private TensorValue LayerNode(IInvocationOperation call, string method, TensorValue input, Dictionary<string, object?> arguments)
    {
        if (LayerCatalog.FindMethod(method) is not { } entry)
        {
            Unsupported(call, $"'Tensor.{method}'", "this generator does not know that layer; update Unroll.Generators");
            throw new Stop();
        }
        var bound = new LayerArguments();
        string? name = null;
        foreach (var argument in arguments)
        {
            var (parameter, value) = (argument.Key, argument.Value);
            if (parameter == "name")
            {
                if (value is not (string or null)) NotConstant(call, parameter, $"the generator could not compute it (got {Preview(value)})");
                name = (string?)value;
                continue;
            }
            // A tuple or an array of ints (a kernel (1, 7), Reshape's dimensions) reaches the unit as int[].
            bound.Set(parameter, value is CompositeValue { Items: var items } && items.All(v => v is int) ? items.Cast<int>().ToArray() : value);
        }
        Layer layer;
        try
        {
            layer = entry.Bind(bound);
        }
        catch (ArgumentTypeException wrong)
        {
            NotConstant(call, wrong.Name, $"the generator could not compute it (got {Preview(wrong.Value)})");
            throw new Stop();
        }
        return Node(call, layer, name, new List<TensorValue> { input });
    }

    private TensorValue Node(IOperation at, Layer layer, string? name, List<TensorValue> inputs)
    {
        var node = new LayerNode(layer, name, new EquatableArray<int>(inputs.Select(t => t.Node).ToArray()), LocationInfo.From(at.Syntax))
        {
            Context = Context(),
        };
        if (_nodes.Count >= MaxLayers)
        {
            Report(DiagnosticDescriptors.ValueTooLarge, at.Syntax, Describe(at),
                $"layer {(_nodes.Count + 1).ToString("N0", CultureInfo.InvariantCulture)}", $"{MaxLayers.ToString("N0", CultureInfo.InvariantCulture)} layers",
                "a loop that adds layers must stop sooner");
            throw new Stop();
        }
        _nodes.Add(node);
        _shapes.Add(ShapeOf(node, inputs));
        return new TensorValue(_nodes.Count - 1, null);
    }

    /// <summary>The node's shape by the checker's own rule, or null when the checker will report a problem with it.</summary>
    private Shape? ShapeOf(LayerNode node, List<TensorValue> inputs)
    {
        var shapes = new Shape[inputs.Count];
        for (var k = 0; k < inputs.Count; k++)
        {
            var shape = inputs[k].Node < 0 ? (_input.Rank == 0 ? null : _input) : _shapes[inputs[k].Node];
            if (shape is null) return null;
            shapes[k] = shape.Value;
        }
        var context = ShapeChecker.Context(node, "", _ => { });
        node.Layer.CheckArguments(context);
        if (context.Failed) return null;
        return ShapeChecker.InferShape(node.Layer, context, shapes)?.Output;
    }

    // ---- Diagnostics ----------------------------------------------------------------------------------------------

    private void Unsupported(IOperation at, string construct, string hint)
    {
        Report(DiagnosticDescriptors.UnsupportedConstruct, at.Syntax, construct, hint);
        throw new Stop();
    }

    private void NotConstant(IOperation at, string what, string why)
    {
        Report(DiagnosticDescriptors.NotConstant, at.Syntax, what, why);
        throw new Stop();
    }

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode at, params string[] arguments)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(at), arguments));

    private void Report(DiagnosticDescriptor descriptor, SyntaxToken at, params string[] arguments)
        => _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(at), arguments));
}
