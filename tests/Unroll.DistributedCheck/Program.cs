using System;
using System.Globalization;
using Unroll;
using Unroll.Models;

// Started by DistributedTests under mpirun, on every rank:
//   check STEPS  trains LeNet5 data-parallel on Fashion-MNIST for STEPS steps of 64 images (SGD), then rank 0 checks that
//                every rank holds the very bits it holds, and that one process training on the same combined batches
//                ends within float tolerance of them. Exit code 0 when both hold.
//   mismatch     rank 1 trains FashionMlp while the others train LeNet5: every rank must fail, naming the difference.
//   throughput NETWORK STEPS BATCH
//                lenet, resnet (FashionResNet) or resnet50 with Adam on random images, a batch of BATCH split across the
//                ranks: rank 0 prints samples per second and the bytes of one step's sums (docs/distributed.md).
//   sum VALUES REPEATS
//                times REPEATS sums of VALUES floats across the ranks, started and tested as training does: rank 0
//                prints the mean time of one, the cost of communication alone (docs/distributed.md).
// Each line it prints starts with its rank.
const int Batch = 64;
using var mpi = MpiCommunicator.Start();
var rank = mpi.Rank;
void Say(string line) => Console.WriteLine($"rank {rank}: {line}");
try
{
    switch (args)
    {
        case ["check", var stepText] when int.TryParse(stepText, out var steps):
            return Check(steps);
        case ["throughput", var name, var stepText, var batchText] when int.TryParse(stepText, out var steps) && int.TryParse(batchText, out var batch):
            return name switch
            {
                "lenet" => Throughput<LeNet5>(steps, batch),
                "resnet" => Throughput<FashionResNet>(steps, batch),
                "resnet50" => Throughput<ResNet50>(steps, batch),
                _ => 2,
            };
        case ["sum", var valueText, var repeatText] when int.TryParse(valueText, out var values) && int.TryParse(repeatText, out var repeats):
            return TimeSums(values, repeats);
        case ["mismatch"]:
            var data = FashionMnist.Load().Train.Take(Batch * 4);
            if (rank == 1) Train(new FashionMlp(capacity: Batch, seed: 3), data, new DataParallel(mpi));
            else Train(new LeNet5(capacity: Batch, seed: 3), data, new DataParallel(mpi));
            Say("trained, but the ranks train different networks");
            return 1;
        default:
            Console.Error.WriteLine("usage: Unroll.DistributedCheck check STEPS | mismatch | throughput lenet|resnet|resnet50 STEPS BATCH | sum VALUES REPEATS");
            return 2;
    }
}
catch (InvalidOperationException e)
{
    Say("error: " + e.Message);
    return 3;
}

int Check(int steps)
{
    var data = FashionMnist.Load().Train.Take(Batch * steps);
    var size = mpi.Size;
    var network = new LeNet5(capacity: (Batch + size - 1) / size, seed: 3);
    var result = Train(network, data, new DataParallel(mpi) { BucketBytes = 64 * 1024 });
    Say(string.Create(CultureInfo.InvariantCulture, $"{steps} steps on {size} ranks, loss {result.Loss:F4}"));

    // Every rank's parameter bits, each in its own stretch (the others add zeros): a float's bits are exact in a double.
    var count = 0;
    foreach (var parameter in network.Parameters) count += parameter.Length;
    var mine = Values(network);
    var all = new double[count * size];
    for (var i = 0; i < count; i++) all[rank * count + i] = BitConverter.SingleToUInt32Bits(mine[i]);
    var request = mpi.StartSum(all, 0, all.Length);
    while (!mpi.Test(request)) { }
    if (rank != 0) return 0;

    var failures = 0;
    for (var r = 1; r < size; r++)
    {
        var differing = 0;
        for (var i = 0; i < count; i++) if ((uint)all[r * count + i] != BitConverter.SingleToUInt32Bits(mine[i])) differing++;
        Say(differing == 0 ? $"rank {r}'s {count:N0} parameters are bit-identical to rank 0's" : $"rank {r}: {differing:N0} of {count:N0} parameters differ from rank 0's");
        if (differing > 0) failures++;
    }

    // One process on the combined batches, the same shuffled order: with the ranks' capacity, so that it takes each
    // batch in chunks whose gradients it averages as the ranks' are averaged (which must give the very same bits), and
    // with room for the whole batch in one pass (which sums in another order: equal up to rounding, which the steps
    // amplify; after 50 steps about 1e-5, after 100 about 1e-2, as max-pooling and ReLU decisions flip).
    const double Tolerance = 1e-5;
    foreach (var capacity in new[] { network.Capacity, Batch })
    {
        var alone = new LeNet5(capacity: capacity, seed: 3);
        var aloneResult = Train(alone, data, null);
        var reference = Values(alone);
        double largest = 0;
        for (var i = 0; i < count; i++) largest = Math.Max(largest, Math.Abs(reference[i] - mine[i]));
        var chunked = capacity < Batch;
        Say(string.Create(CultureInfo.InvariantCulture,
            $"against one process on the combined batches {(chunked ? $"in chunks of {capacity}" : "in one pass")}: loss {aloneResult.Loss:F4}, " +
            $"largest difference {largest:E2}{(chunked ? $" (tolerance {Tolerance:E0})" : " (not checked)")}"));
        if (chunked && !(largest <= Tolerance)) failures++;
    }
    return failures == 0 ? 0 : 1;
}

int Throughput<TNetwork>(int steps, int batch) where TNetwork : INetwork<TNetwork>
{
    var random = new Random(1);
    var count = steps * batch;
    var features = new float[(long)count * TNetwork.InputSize > int.MaxValue ? throw new ArgumentException("too many samples") : count * TNetwork.InputSize];
    for (var i = 0; i < features.Length; i++) features[i] = (float)random.NextDouble();
    var labels = new int[count];
    for (var i = 0; i < count; i++) labels[i] = random.Next(TNetwork.OutputSize);
    var data = Dataset.ForClassification(features, TNetwork.InputSize, labels, TNetwork.OutputSize);
    var size = mpi.Size;
    var network = TNetwork.Create((batch + size - 1) / size, CpuBackend.Shared, 1);
    var trainer = new Trainer<TNetwork>(network, new SparseCategoricalCrossEntropy(), new Adam());
    var parallel = new DataParallel(mpi);
    // A few steps first, so that the timed epoch pays no start-up (JIT, first touches; the project has the kernels
    // compiled optimised at once, as an epoch of a few seconds would otherwise run largely on unoptimised code).
    var options = new FitOptions { BatchSize = batch, DataParallel = parallel };
    trainer.Fit(data.Take(Math.Min(count, 10 * batch)), options);
    var result = trainer.Fit(data, options)[0];
    long values = 3; // the loss sum, the correct count and the stop flag ride with the first bucket
    foreach (var parameter in network.Parameters) values += parameter.Length;
    Say(string.Create(CultureInfo.InvariantCulture,
        $"{typeof(TNetwork).Name} on {size} rank(s) of {Environment.ProcessorCount} core(s), batch {batch} ({network.Capacity} per rank), {steps} steps: {result.SamplesPerSecond:N1} samples/s; " +
        $"each step sums {values:N0} values ({values * 4:N0} bytes)"));
    return 0;
}

int TimeSums(int values, int repeats)
{
    var buffer = new float[values];
    void SumOnce()
    {
        var request = mpi.StartSum(buffer, 0, values);
        while (!mpi.Test(request)) { }
    }
    for (var i = 0; i < 10; i++) SumOnce();
    var clock = System.Diagnostics.Stopwatch.StartNew();
    for (var i = 0; i < repeats; i++) SumOnce();
    Say(string.Create(CultureInfo.InvariantCulture,
        $"a sum of {values:N0} floats ({values * 4L:N0} bytes) on {mpi.Size} ranks: {clock.Elapsed.TotalMicroseconds / repeats:N1} µs"));
    return 0;
}

static EpochResult Train<TNetwork>(TNetwork network, Dataset data, DataParallel? parallel) where TNetwork : INetwork<TNetwork>
{
    // SGD: Adam's division by the gradient's running size turns rounding in tiny gradients into large steps, so that
    // two runs that differ only in summation order drift apart over hundreds of steps, which would hide a real error.
    var trainer = new Trainer<TNetwork>(network, new SparseCategoricalCrossEntropy(), new Sgd(0.05f));
    return trainer.Fit(data, new FitOptions { Epochs = 1, BatchSize = Batch, Seed = 5, DataParallel = parallel })[0];
}

static float[] Values(INetwork network)
{
    var count = 0;
    foreach (var parameter in network.Parameters) count += parameter.Length;
    var values = new float[count];
    var offset = 0;
    foreach (var parameter in network.Parameters)
    {
        network.Backend.Download(parameter.Value, 0, values.AsSpan(offset, parameter.Length));
        offset += parameter.Length;
    }
    return values;
}
