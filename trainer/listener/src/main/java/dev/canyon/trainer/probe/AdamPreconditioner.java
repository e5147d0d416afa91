package dev.canyon.trainer.probe;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The diagonal preconditioner P that DL4J's Adam (1.0.0-M2.1) applied at its last step, read from the
 * network's updater state. DL4J's Adam (libnd4j adam_updater, called with the 0-based iteration i,
 * t = i + 1) does m ← β1 m + (1 − β1)g, v ← β2 v + (1 − β2)g², θ ← θ − η·√(1 − β2^t)/(1 − β1^t) ·
 * m/(√v + ε); so θ ← θ − η P⁻¹ m with
 *
 * <pre>P = (1 − β1^t)/√(1 − β2^t) · diag(√v + ε)</pre>
 *
 * (both bias corrections folded into P, m the raw moving average, as in the stability analysis of
 * dev.canyon.kernels.stability.StabilityRatio).
 *
 * <p>Layout: the updater ({@link BaseMultiLayerUpdater}: {@code MultiLayerUpdater} or {@code
 * ComputationGraphUpdater}) splits the flattened parameters into {@link UpdaterBlock}s of consecutive
 * parameters sharing one updater configuration; block b covers parameters [paramOffsetStart,
 * paramOffsetEnd) and owns the state view [updaterViewOffsetStart, updaterViewOffsetEnd), whose first
 * half is Adam's m and second half its v ({@link AdamUpdater#setStateViewArray}), each in the order of
 * the block's parameters. This reads v through the block's own {@link AdamUpdater#getV()} (the view of
 * that second half) and checks that the blocks tile [0, d) and all hold Adam with one configuration.
 */
public final class AdamPreconditioner {
    private AdamPreconditioner() {}

    /**
     * P's diagonal, in the flattened parameter order, or null when the network is not trained by one
     * Adam for all its parameters (or its updater state is not there yet).
     *
     * @param iteration the 0-based iteration DL4J passed to the updater at the last step (in
     *     {@code iterationDone}: its {@code iteration} argument; after {@code fit} returns: the
     *     network's iteration count − 1)
     */
    public static double[] diagonal(Model model, int iteration) {
        Updater updater = model instanceof MultiLayerNetwork net ? net.getUpdater(false)
                : model instanceof ComputationGraph graph ? graph.getUpdater(false) : null;
        if (!(updater instanceof BaseMultiLayerUpdater<?> base) || iteration < 0) {
            return null;
        }
        long d = model.numParams();
        double[] p = new double[(int) d];
        int covered = 0;
        Adam config = null;
        for (UpdaterBlock block : base.getUpdaterBlocks()) {
            int start = block.getParamOffsetStart();
            int end = block.getParamOffsetEnd();
            if (end == start) {
                continue;
            }
            GradientUpdater<?> gu = block.getGradientUpdater();
            if (start != covered || !(gu instanceof AdamUpdater adam) || adam.getV() == null
                    || (config != null && !config.equals(adam.getConfig()))) {
                return null;
            }
            config = adam.getConfig();
            INDArray v = adam.getV();
            if (v.length() != end - start) {
                return null;
            }
            double[] vs = v.dup('c').reshape(v.length()).toDoubleVector();
            double t = iteration + 1.0;
            double scale = (1 - Math.pow(config.getBeta1(), t)) / Math.sqrt(1 - Math.pow(config.getBeta2(), t));
            for (int i = 0; i < vs.length; i++) {
                p[start + i] = scale * (Math.sqrt(vs[i]) + config.getEpsilon());
            }
            covered = end;
        }
        return covered == d && config != null ? p : null;
    }
}
