namespace Unroll;

/// <summary>The cell of a recurrent layer; its value is how many gates (blocks of units rows) its weights hold.</summary>
public enum RecurrentCell
{
    /// <summary>Elman tanh cell: one block.</summary>
    SimpleRnn = 1,

    /// <summary>GRU: r, z, n.</summary>
    Gru = 3,

    /// <summary>LSTM: i, f, g, o.</summary>
    Lstm = 4,
}
