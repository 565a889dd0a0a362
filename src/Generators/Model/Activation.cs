namespace Unroll.Generators.Model;

/// <summary>
/// The generator's copy of <c>Unroll.Activation</c> (src/Runtime/Layers/Activations/Activation.cs); the emitted code
/// names members, never values, so only the names must match. Not linked like Padding.cs: the tests reference this
/// assembly as a library, and a second public <c>Unroll.Activation</c> there collides with the runtime's (CS0433).
/// </summary>
internal enum Activation
{
    Linear = 0,
    Relu = 1,
    LeakyRelu = 2,
    Elu = 3,
    Sigmoid = 4,
    Tanh = 5,
    Softmax = 6,
}
