package dev.canyon.trainer.data;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded shuffled minibatches over {@link TrainingData}, reshuffled every epoch; an epoch's last
 * partial batch is dropped (so every step has the same B). Two instances with the same seed give
 * the same batches: runs that differ only in their shuffle differ only in this seed.
 */
public final class Minibatches {
    private final TrainingData data;
    private final int batch;
    private final Random random;
    private final int[] order;
    private final DataType dataType;
    private int cursor;
    private int epoch;

    /** Batches of {@code batch} examples (at most n) as float32 arrays. */
    public Minibatches(TrainingData data, int batch, long seed) {
        this(data, batch, seed, DataType.FLOAT);
    }

    /** Batches in {@code dataType} (float64 for float64 networks). */
    public Minibatches(TrainingData data, int batch, long seed, DataType dataType) {
        this.data = data;
        this.batch = Math.min(batch, data.n());
        this.random = new Random(seed);
        this.dataType = dataType;
        this.order = new int[data.n()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        shuffle();
    }

    /** Epochs completed before the next batch (0-based epoch of the next batch). */
    public int epoch() {
        if (cursor + batch > order.length) {
            return epoch + 1;
        }
        return epoch;
    }

    /** Steps in one epoch. */
    public long stepsPerEpoch() {
        return order.length / batch;
    }

    /** The next minibatch. */
    public DataSet next() {
        if (cursor + batch > order.length) {
            epoch++;
            cursor = 0;
            shuffle();
        }
        float[] x = new float[batch * data.inputs()];
        float[] y = new float[batch * data.outputs()];
        for (int b = 0; b < batch; b++) {
            int i = order[cursor++];
            System.arraycopy(data.features(), i * data.inputs(), x, b * data.inputs(), data.inputs());
            System.arraycopy(data.targets(), i * data.outputs(), y, b * data.outputs(), data.outputs());
        }
        return new DataSet(Nd4j.create(x, new long[] {batch, data.inputs()}, 'c').castTo(dataType),
                Nd4j.create(y, new long[] {batch, data.outputs()}, 'c').castTo(dataType));
    }

    private void shuffle() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
