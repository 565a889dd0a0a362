using System;
using Xunit;

namespace Unroll.Tests.Optimizers;

/// <summary>Hyperparameters outside PyTorch's accepted ranges throw ArgumentOutOfRangeException naming the argument and the value.</summary>
public sealed class OptimizerValidationTests
{
    public static TheoryData<string, string, string> Bad => new()
    {
        { "sgd lr -1", "learningRate", "-1" },
        { "sgd lr NaN", "learningRate", "NaN" },
        { "sgd lr ∞", "learningRate", "Infinity" },
        { "momentum 1", "momentum", "1" },
        { "momentum -0.1", "momentum", "-0.1" },
        { "nesterov 0", "momentum", "is 0" },
        { "adagrad eps -1", "epsilon", "-1" },
        { "adagrad acc -1", "initialAccumulator", "-1" },
        { "adadelta rho 1.5", "rho", "1.5" },
        { "adadelta lr -0.5", "learningRate", "-0.5" },
        { "rmsprop alpha -0.1", "alpha", "-0.1" },
        { "rmsprop eps -1", "epsilon", "-1" },
        { "adam beta1 1", "beta1", "1" },
        { "adam beta2 -0.1", "beta2", "-0.1" },
        { "adam eps -1", "epsilon", "-1" },
    };

    private static Optimizer Create(string label) => label switch
    {
        "sgd lr -1" => new Sgd(-1f),
        "sgd lr NaN" => new Sgd(float.NaN),
        "sgd lr ∞" => new Sgd(float.PositiveInfinity),
        "momentum 1" => new Momentum(momentum: 1f),
        "momentum -0.1" => new Momentum(momentum: -0.1f),
        "nesterov 0" => new Nesterov(momentum: 0f),
        "adagrad eps -1" => new Adagrad(epsilon: -1f),
        "adagrad acc -1" => new Adagrad(initialAccumulator: -1f),
        "adadelta rho 1.5" => new Adadelta(rho: 1.5f),
        "adadelta lr -0.5" => new Adadelta(-0.5f),
        "rmsprop alpha -0.1" => new RmsProp(alpha: -0.1f),
        "rmsprop eps -1" => new RmsProp(epsilon: -1f),
        "adam beta1 1" => new Adam(beta1: 1f),
        "adam beta2 -0.1" => new Adam(beta2: -0.1f),
        "adam eps -1" => new Adam(epsilon: -1f),
        _ => throw new ArgumentException(label),
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void RejectsOutOfRangeHyperparameters(string label, string parameter, string shown)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(label));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains($"{parameter} must be", ex.Message);
        Assert.Contains(shown, ex.Message);
    }

    [Fact]
    public void LearningRateSetterValidatesToo()
    {
        var adam = new Adam();
        adam.LearningRate = 0.5f;
        Assert.Equal(0.5f, adam.LearningRate);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => adam.LearningRate = -0.1f);
        Assert.Equal("learningRate", ex.ParamName);
        Assert.Equal(0.5f, adam.LearningRate);
    }

    [Fact]
    public void BoundaryValuesPyTorchAcceptsAreAccepted()
    {
        _ = new Sgd(0f);
        _ = new Momentum(momentum: 0f);
        _ = new Adadelta(rho: 1f);
        _ = new RmsProp(alpha: 0f);
        _ = new Adam(beta1: 0f, beta2: 0f, epsilon: 0f);
    }
}
