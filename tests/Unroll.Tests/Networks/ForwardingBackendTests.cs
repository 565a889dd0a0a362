using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Unroll.Tests.Networks;

/// <summary>
/// <see cref="ForwardingBackend"/> forwards every <see cref="IBackend"/> member, and a subclass's hooks see every operation
/// by name with its arguments; so a decorator never goes stale as operations are added.
/// </summary>
public class ForwardingBackendTests
{
    // Buffer plumbing and the workspace query forward without hooks (see ForwardingBackend's remarks).
    private static readonly string[] s_withoutHooks = ["get_Name", nameof(IBackend.Supports), nameof(IBackend.Allocate),
        nameof(IBackend.Upload), nameof(IBackend.Download), nameof(IBackend.Conv2DWorkspaceLength)];

    private static IEnumerable<MethodInfo> Members()
        => typeof(IBackend).GetInterfaces().Append(typeof(IBackend)).SelectMany(i => i.GetMethods());

    public static TheoryData<string> Operations()
    {
        var data = new TheoryData<string>();
        foreach (var m in Members().Where(m => !s_withoutHooks.Contains(m.Name))) data.Add(m.Name);
        return data;
    }

    [Fact]
    public void Forwarding_backend_overrides_every_member_of_every_family()
    {
        foreach (var family in typeof(IBackend).GetInterfaces().Append(typeof(IBackend)))
        {
            var map = typeof(ForwardingBackend).GetInterfaceMap(family);
            for (var i = 0; i < map.InterfaceMethods.Length; i++)
            {
                var target = map.TargetMethods[i];
                Assert.True(target.DeclaringType == typeof(ForwardingBackend), $"{family.Name}.{map.InterfaceMethods[i].Name} is not implemented by ForwardingBackend");
                Assert.True(target.IsVirtual && !target.IsFinal, $"{target.Name} is not overridable");
            }
        }
        Assert.All(typeof(IBackend).GetInterfaces(), family => Assert.NotEmpty(family.GetMethods()));
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Hooks_see_each_operation_with_its_arguments_and_the_inner_backend_runs_it(string operation)
    {
        var method = Members().Single(m => m.Name == operation);
        var arguments = method.GetParameters().Select(p => Argument(p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType)).ToArray();
        var inner = Generator.NoOpBackend.Create(out var ran);
        var spy = new Spy(inner);

        method.Invoke(spy, arguments);

        Assert.Equal([$"enter {operation}", $"exit {operation}"], spy.Events);
        Assert.Equal(arguments, spy.Arguments);
        Assert.Equal([operation], ran);
    }

    [Fact]
    public void Buffer_plumbing_and_support_forward_to_the_inner_backend()
    {
        var spy = new Spy(CpuBackend.Shared);
        var buffer = spy.Allocate(3);
        spy.Upload([1f, 2f], buffer, offset: 1);
        var back = new float[3];
        spy.Download(buffer, 0, back);
        Assert.Equal([0f, 1f, 2f], back);
        Assert.Equal(CpuBackend.Shared.Name, spy.Name);
        Assert.True(spy.Supports(nameof(IBackend.BatchNormBackward)));
        var g = new Conv2DGeometry(1, 4, 4, 1, 3, 3, 1, 1, 0, 0, 2, 2);
        Assert.Equal(CpuBackend.Shared.Conv2DWorkspaceLength(g, 2), spy.Conv2DWorkspaceLength(g, 2));
        Assert.Empty(spy.Events);
    }

    private static object? Argument(Type type)
        => type == typeof(FloatBuffer) ? new CpuBuffer(1)
            : type == typeof(BatchNormBuffers) ? new BatchNormBuffers(new CpuBuffer(1), null, new CpuBuffer(1), new CpuBuffer(1), new CpuBuffer(1), new CpuBuffer(1))
            : type == typeof(int) ? 3
            : type == typeof(Loss) ? new MeanSquaredError()
            : Activator.CreateInstance(type);

    private sealed class Spy(IBackend inner) : ForwardingBackend(inner)
    {
        public List<string> Events { get; } = new();
        public object?[] Arguments { get; private set; } = [];

        protected override void OnEnter(string operation, params ReadOnlySpan<object?> arguments)
        {
            Events.Add("enter " + operation);
            Arguments = arguments.ToArray();
        }

        protected override void OnExit(string operation) => Events.Add("exit " + operation);
    }
}
