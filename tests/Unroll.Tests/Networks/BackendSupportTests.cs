using System;
using System.Linq;
using System.Reflection;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Networks;

public class BackendSupportTests
{
    /// <summary>The CPU backend, but claiming not to support some operations (as a partial GPU backend would).</summary>
    public class LackingBackend : DispatchProxy
    {
        private string[] _missing = Array.Empty<string>();

        public static IBackend Create(params string[] missing)
        {
            var proxy = Create<IBackend, LackingBackend>();
            ((LackingBackend)(object)proxy)._missing = missing;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args) => method!.Name switch
        {
            "get_Name" => "lacking (test)",
            "Supports" => !_missing.Contains((string)args![0]!),
            _ => method.Invoke(CpuBackend.Shared, args),
        };
    }

    [Fact]
    public void A_network_on_a_backend_without_some_of_its_operations_fails_at_construction_naming_them()
    {
        // Upload is not one LeNet5 calls in a pass, so it is not named.
        var e = Assert.Throws<NotSupportedException>(() => new LeNet5(backend: LackingBackend.Create("DenseForward", "Conv2DBackward", "Upload")));
        Assert.Equal("The backend 'lacking (test)' cannot train LeNet5: it does not support Conv2DBackward, DenseForward. Use a backend that supports every operation the network calls.", e.Message);
    }

    [Fact]
    public void Inference_names_what_it_lacks_too()
    {
        var e = Assert.Throws<NotSupportedException>(() => BackendSupport.Require(LackingBackend.Create("Add"), "Net", new[] { "Add", "Copy" }, training: false));
        Assert.Equal("The backend 'lacking (test)' cannot run Net for inference: it does not support Add. Use a backend that supports every operation the network calls.", e.Message);
        BackendSupport.Require(LackingBackend.Create("Add"), "Net", new[] { "Copy" }, training: false);
    }

    [Fact]
    public void Every_operation_a_network_names_is_a_backend_method()
    {
        var methods = typeof(IBackend).GetInterfaces().Append(typeof(IBackend)).SelectMany(i => i.GetMethods()).Select(m => m.Name).ToHashSet();
        var recorded = new System.Collections.Generic.List<string>();
        var backend = new AskingBackend(recorded);
        _ = new FashionResNet(backend: backend);
        Assert.Contains("BatchNormBackward", recorded);
        Assert.All(recorded, operation => Assert.Contains(operation, methods));
    }

    /// <summary>The CPU backend, noting each operation a network asks about.</summary>
    private sealed class AskingBackend(System.Collections.Generic.List<string> asked) : ForwardingBackend(CpuBackend.Shared)
    {
        public override bool Supports(string operation)
        {
            asked.Add(operation);
            return base.Supports(operation);
        }
    }
}
