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
        // A backend that supports nothing still hears every operation asked about before the constructor gives up.
        var asked = new System.Collections.Generic.List<string>();
        var proxy = DispatchProxy.Create<IBackend, AskingBackend>();
        ((AskingBackend)(object)proxy).Asked = asked;
        Assert.Throws<NotSupportedException>(() => new FashionResNet(backend: proxy));
        var methods = typeof(IBackend).GetMethods().Concat(typeof(IBackend).GetInterfaces().SelectMany(i => i.GetMethods())).Select(m => m.Name).ToHashSet();
        Assert.Contains("BatchNormBackward", asked);
        Assert.All(asked, operation => Assert.Contains(operation, methods));
    }

    public class AskingBackend : DispatchProxy
    {
        public System.Collections.Generic.List<string> Asked = new();

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == "Supports") Asked.Add((string)args![0]!);
            return method.Name == "get_Name" ? "nothing (test)" : method.Name == "Supports" ? false : throw new NotSupportedException(method.Name);
        }
    }
}
