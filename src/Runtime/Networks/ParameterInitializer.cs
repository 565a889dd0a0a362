using System;
using System.Collections.Generic;

namespace Unroll;

// SKELETON: replaced by the real implementation.
public static class ParameterInitializer
{
    /// <summary>Draws every parameter's values according to its <see cref="Parameter.Init"/>, from one seed.</summary>
    public static void Initialize(IReadOnlyList<Parameter> parameters, int seed) => throw new NotImplementedException();
}
