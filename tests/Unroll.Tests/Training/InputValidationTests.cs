using System;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Inputs that would give silently wrong results (NaN in, NaN out; a label no output can match; an index past the
/// end) are refused with errors that name the sample by its index in the caller's data.
/// </summary>
public sealed class InputValidationTests
{
    private static float[] RandomInputs(int count, int size, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * size];
        for (var i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
        return inputs;
    }

    /// <summary>50 samples for SmoothNet (3 classes), labels cycling 0, 1, 2.</summary>
    private static Dataset SmoothData()
    {
        var labels = new int[50];
        for (var i = 0; i < labels.Length; i++) labels[i] = i % 3;
        return Dataset.ForClassification(RandomInputs(50, SmoothNet.InputSize, seed: 1), SmoothNet.InputSize, labels, classes: 3);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Predict_refuses_non_finite_input_naming_the_sample_position_and_value(float bad, string shown)
    {
        var net = new SmoothNet(capacity: 2, seed: 1);
        var inputs = RandomInputs(5, SmoothNet.InputSize, seed: 2);
        inputs[3 * SmoothNet.InputSize + 17] = bad;

        var e = Assert.Throws<ArgumentException>(() => net.Predict(inputs, new float[5 * SmoothNet.OutputSize]));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains($"Sample 3 has a non-finite input value ({shown}) at position 17 (of 98 values per sample)", e.Message);
        Assert.Contains("validateInput: false", e.Message);

        e = Assert.Throws<ArgumentException>(() => net.PredictClass(inputs.AsSpan(3 * SmoothNet.InputSize, SmoothNet.InputSize)));
        Assert.Contains($"Sample 0 has a non-finite input value ({shown}) at position 17", e.Message);
    }

    [Fact]
    public void Predict_without_validation_runs_the_network_on_what_it_is_given()
    {
        var net = new SmoothNet(capacity: 2, seed: 1);
        var inputs = RandomInputs(1, SmoothNet.InputSize, seed: 2);
        inputs[5] = float.NaN;
        var outputs = new float[SmoothNet.OutputSize];

        net.Predict(inputs, outputs, validateInput: false);

        Assert.All(outputs, v => Assert.True(float.IsNaN(v)));
        Assert.Equal(0, net.PredictClass(inputs, validateInput: false));
    }

    [Fact]
    public void PredictClass_takes_exactly_one_sample()
    {
        var net = new SmoothNet(capacity: 2, seed: 1);
        var e = Assert.Throws<ArgumentException>(() => net.PredictClass(new float[2 * SmoothNet.InputSize]));
        Assert.Equal("sample", e.ParamName);
        Assert.Contains("PredictClass takes exactly one sample of 98 values (SmoothNet's input), but got 196 (2 samples); use Predict for several samples.", e.Message);
        Assert.DoesNotContain("destination", e.Message);

        e = Assert.Throws<ArgumentException>(() => net.PredictClass(new float[10]));
        Assert.Contains("takes exactly one sample of 98 values (SmoothNet's input), but got 10.", e.Message);
    }

    [Fact]
    public void PredictClass_of_a_single_logit_is_positive_above_zero()
    {
        // BinaryLogitNet ends in a raw score: class 1 exactly where the score (the logit of probability 0.5) is positive.
        var net = new BinaryLogitNet(capacity: 1, seed: 2);
        var inputs = RandomInputs(64, 2, seed: 3);
        var output = new float[1];
        int positives = 0, belowHalf = 0;
        for (var s = 0; s < 64; s++)
        {
            var sample = inputs.AsSpan(2 * s, 2);
            net.Predict(sample, output);
            Assert.Equal(output[0] > 0 ? 1 : 0, net.PredictClass(sample));
            if (output[0] > 0) positives++;
            if (output[0] > 0 && output[0] <= 0.5f) belowHalf++;
        }
        Assert.True(belowHalf > 0, "no score fell in (0, 0.5], where a 0.5 threshold would disagree");
        Assert.InRange(positives, 1, 63);
    }

    [Fact]
    public void Evaluate_refuses_data_that_became_non_finite_naming_its_index()
    {
        var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 16, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        var data = SmoothData();
        Assert.True(float.IsFinite(trainer.Evaluate(data).Loss));

        data.Features[40 * SmoothNet.InputSize + 3] = float.NaN; // written after the Dataset checked it
        var e = Assert.Throws<ArgumentException>(() => trainer.Evaluate(data));
        Assert.Equal("data", e.ParamName);
        Assert.Contains("Sample 40 of the data set has a non-finite feature value (NaN) at position 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => trainer.TrainStep(data, [1, 40]));
        Assert.Contains("Sample 40 of the data set", e.Message);
    }

    [Fact]
    public void Evaluate_refuses_a_target_that_became_non_finite()
    {
        var trainer = new Trainer<RegressionNet>(new RegressionNet(capacity: 16, seed: 1), new MeanSquaredError(), new Adam());
        var data = new Dataset(RandomInputs(30, 4, seed: 4), 4, new float[30 * 2], 2);
        data.Targets[2 * 21 + 1] = float.PositiveInfinity;
        var e = Assert.Throws<ArgumentException>(() => trainer.Evaluate(data));
        Assert.Contains("Sample 21 of the data set has a non-finite target value (Infinity) at position 1", e.Message);
    }

    [Fact]
    public void An_invalid_class_index_target_names_the_data_set_index_not_the_batch_row()
    {
        // Sample 40 sits in row 8 of the third batch of 16; the message must say 40.
        var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 16, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        var targets = new float[50];
        for (var i = 0; i < targets.Length; i++) targets[i] = i % 3;
        targets[40] = 3;
        var data = new Dataset(RandomInputs(50, SmoothNet.InputSize, seed: 5), SmoothNet.InputSize, targets, 1);

        var e = Assert.Throws<ArgumentException>(() => trainer.Evaluate(data));
        Assert.Contains("Loss 'sparse_categorical_crossentropy': the target of sample 40 of the data set is 3, which is not a class index: expected an integer in [0, 3).", e.Message);
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(data, new FitOptions { Epochs = 1, BatchSize = 16, Shuffle = false }));
        Assert.Contains("the target of sample 40 of the data set is 3", e.Message);
    }

    [Fact]
    public void An_invalid_target_for_an_auxiliary_head_names_the_head()
    {
        // Class 3 is valid for the main output (4 classes) but not for the auxiliary head (3).
        var trainer = new Trainer<AuxiliaryOutputNet>(new AuxiliaryOutputNet(capacity: 16, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        var labels = new int[20];
        labels[12] = 3;
        var data = Dataset.ForClassification(RandomInputs(20, 6, seed: 6), 6, labels, classes: 4);
        var e = Assert.Throws<ArgumentException>(() => trainer.Evaluate(data));
        Assert.Contains("the target of sample 12 of the data set is 3, which is not a class index: expected an integer in [0, 3) (for output", e.Message);
    }

    [Fact]
    public void A_label_the_network_cannot_predict_is_refused_naming_its_index()
    {
        // One target value per sample, so the Dataset cannot know the class count; the trainer knows SmoothNet has 3.
        // (Targets stay valid class indices: the label alone is what accuracy would read wrongly.)
        var labels = new int[50];
        labels[33] = 3;
        var sparse = new Dataset(RandomInputs(50, SmoothNet.InputSize, seed: 7), SmoothNet.InputSize, new float[50], 1, labels);
        var classifier = new Trainer<SmoothNet>(new SmoothNet(capacity: 16, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        var e = Assert.Throws<ArgumentException>(() => classifier.Evaluate(sparse));
        Assert.Contains("Label 3 of sample 33 of the data set is outside the 3 classes SmoothNet can predict [0, 2]", e.Message);
    }

    [Fact]
    public void TrainStep_with_an_index_out_of_range_names_it_its_position_and_the_size()
    {
        var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 16, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        var data = SmoothData();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.TrainStep(data, [0, 1, 50]));
        Assert.Equal("samples", e.ParamName);
        Assert.Contains("samples[2] is 50, but the data set has 50 samples (indices 0 to 49).", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.TrainStep(data, [-1]));
        Assert.Contains("samples[0] is -1", e.Message);
        // Past the capacity the step is taken in chunks; the position is still the one in the caller's span.
        var many = new int[20];
        many[18] = 77;
        e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.TrainStep(data, many));
        Assert.Contains("samples[18] is 77", e.Message);
    }
}
