package dev.canyon.trainer.telemetry;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the listener reads from a DL4J {@link MultiLayerNetwork} or {@link ComputationGraph}
 * (DL4J 1.0.0-M2.1), and the one thing it puts back after probing: the only class of the listener
 * that touches ND4J arrays.
 *
 * <p>In {@code onGradientCalculation} the flattened gradient view holds the gradient summed over the
 * minibatch (B times the mean; the updater divides by B later), and after the step the same view
 * holds the update; so the gradient is copied there and θ after the step, from the parameters.
 * Copies are bulk reads of float32 native memory ({@link #copy}).
 */
final class Dl4jNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(Dl4jNetwork.class);

    private Dl4jNetwork() {}

    /**
     * The parameter tensors in the flattened layout: DL4J's parameter table (e.g. {@code 0_W},
     * {@code 0_b}), whose order is the flattened order; {@code ends[t]} is one past tensor t's last
     * value. Empty when the table does not cover the parameters (then only whole-model scalars are
     * published).
     */
    record TensorLayout(String[] names, int[] ends) {
        static final TensorLayout NONE = new TensorLayout(new String[0], null);

        int count() {
            return names.length;
        }
    }

    /** The tensor layout of {@code model}. */
    static TensorLayout tensors(Model model) {
        Map<String, INDArray> table = model.paramTable();
        List<String> names = new ArrayList<>();
        List<Integer> ends = new ArrayList<>();
        long end = 0;
        for (Map.Entry<String, INDArray> e : table.entrySet()) {
            end += e.getValue().length();
            names.add(e.getKey());
            ends.add((int) end);
        }
        if (end != model.numParams() || names.isEmpty()) {
            LOG.warn("parameter table covers {} of {} parameters; publishing whole-model scalars only", end, model.numParams());
            return TensorLayout.NONE;
        }
        return new TensorLayout(names.toArray(new String[0]), ends.stream().mapToInt(Integer::intValue).toArray());
    }

    /** d, the number of parameters. */
    static int parameterCount(Model model) {
        return (int) model.numParams();
    }

    /** θ now, as a new float array. */
    static float[] parameters(Model model) {
        float[] theta = new float[parameterCount(model)];
        copy(model.params(), theta);
        return theta;
    }

    /** Copies θ now into {@code dst}. */
    static void copyParameters(Model model, float[] dst) {
        copy(model.params(), dst);
    }

    /** Copies the batch-summed gradient of the step being computed into {@code dst} (call in onGradientCalculation). */
    static void copyGradient(Model model, float[] dst) {
        INDArray grad = model.gradient() != null && model.gradient().gradient() != null
                ? model.gradient().gradient()
                : flattenedGradients(model);
        copy(grad, dst);
    }

    /** B, the batch size of the step being computed (at least 1). */
    static int batchSize(Model model) {
        return Math.max(1, model.batchSize());
    }

    /** The learning rate of the first layer whose updater has one, at this iteration and epoch; 0 when none has. */
    static double learningRate(Model model, int iteration, int epoch) {
        Layer[] layers = model instanceof MultiLayerNetwork net ? net.getLayers()
                : model instanceof ComputationGraph graph ? graph.getLayers() : new Layer[0];
        for (Layer layer : layers) {
            if (layer.conf() != null && layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null
                    && base.getIUpdater().hasLearningRate()) {
                return base.getIUpdater().getLearningRate(iteration, epoch);
            }
        }
        return 0;
    }

    /**
     * A copy of the batch the step was trained on, for same-batch probes: DL4J exposes it for a
     * MultiLayerNetwork only; null otherwise.
     */
    static DataSet stepBatch(Model model) {
        return model instanceof MultiLayerNetwork net && net.getInput() != null && net.getLabels() != null
                ? new DataSet(net.getInput().dup(), net.getLabels().dup()) : null;
    }

    /**
     * Puts back what probes changed besides the parameters (which they restore themselves): the
     * step's score, and a MultiLayerNetwork's input and labels, so that listeners after this one
     * still see the step's own loss and batch.
     */
    static void restoreAfterProbe(Model model, double loss, DataSet stepBatch) {
        if (model instanceof MultiLayerNetwork net) {
            net.setScore(loss);
            if (stepBatch != null) {
                net.setInput(stepBatch.getFeatures());
                net.setLabels(stepBatch.getLabels());
            }
        } else if (model instanceof ComputationGraph graph) {
            graph.setScore(loss);
        }
    }

    /** Copies a float array of ND4J into {@code dst} in bulk; falls back to a converting copy. */
    static void copy(INDArray src, float[] dst) {
        if (src.length() != dst.length) {
            throw new IllegalStateException("expected " + dst.length + " values, the array has " + src.length());
        }
        if (src.dataType() == DataType.FLOAT && src.elementWiseStride() == 1 && src.ordering() == 'c') {
            FloatBuffer fb = src.data().asNioFloat();
            fb.position((int) src.offset());
            fb.get(dst, 0, dst.length);
        } else {
            float[] v = src.dup('c').reshape(src.length()).toFloatVector();
            System.arraycopy(v, 0, dst, 0, dst.length);
        }
    }

    private static INDArray flattenedGradients(Model model) {
        if (model instanceof MultiLayerNetwork net) {
            return net.getFlattenedGradients();
        }
        if (model instanceof ComputationGraph graph) {
            return graph.getFlattenedGradients();
        }
        throw new IllegalStateException("cannot read gradients of " + model.getClass().getName());
    }
}
