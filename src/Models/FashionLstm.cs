namespace Unroll.Models;

/// <summary>
/// An LSTM classifier for Fashion-MNIST: each 28×28 image read as 28 steps (its rows) of 28 pixels, one LSTM of 128 units
/// (PyTorch's <c>nn.LSTM(28, 128)</c>, whose last hidden state feeds) a softmax over the 10 classes.
/// </summary>
[Network(28, 28)]
[Lstm(128)]
[Dense(10), Softmax]
public partial class FashionLstm;
