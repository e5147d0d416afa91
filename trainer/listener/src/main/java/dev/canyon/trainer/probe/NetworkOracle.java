package dev.canyon.trainer.probe;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link GradientOracle} over a DL4J {@link MultiLayerNetwork} or single-input, single-output
 * {@link ComputationGraph} and a fixed probe batch. Every
 * call sets the parameters, computes loss and gradient on the batch, and puts the original
 * parameters back, so probing between training steps leaves training unchanged. The gradient DL4J
 * leaves in its view is the batch sum (the updater divides by B later), so it is divided by B here.
 */
public final class NetworkOracle implements GradientOracle {
    private final Model net;
    private final DataSet batch;
    private final int dimension;

    /** An oracle over {@code model}, which must be a MultiLayerNetwork or a ComputationGraph. */
    public NetworkOracle(Model model, DataSet batch) {
        if (!(model instanceof MultiLayerNetwork) && !(model instanceof ComputationGraph)) {
            throw new IllegalArgumentException("probes support MultiLayerNetwork and ComputationGraph, not "
                    + model.getClass().getName());
        }
        this.net = model;
        this.batch = batch;
        this.dimension = (int) model.numParams();
    }

    @Override
    public int dimension() {
        return dimension;
    }

    /** The network's current parameters, in double. */
    public double[] parameters() {
        return net.params().toDoubleVector();
    }

    @Override
    public double loss(double[] theta) {
        return evaluate(theta, null);
    }

    @Override
    public double gradient(double[] theta, double[] out) {
        return evaluate(theta, out);
    }

    private double evaluate(double[] theta, double[] gradientOut) {
        INDArray params = net.params();
        INDArray saved = params.dup();
        try {
            params.assign(Nd4j.create(theta).castTo(params.dataType()).reshape(params.shape()));
            INDArray flat;
            if (net instanceof MultiLayerNetwork mln) {
                if (gradientOut == null) {
                    return mln.score(batch, false);
                }
                mln.setInput(batch.getFeatures());
                mln.setLabels(batch.getLabels());
                mln.computeGradientAndScore();
                flat = mln.getFlattenedGradients();
            } else {
                ComputationGraph graph = (ComputationGraph) net;
                if (gradientOut == null) {
                    return graph.score(batch, false);
                }
                graph.setInputs(batch.getFeatures());
                graph.setLabels(batch.getLabels());
                graph.computeGradientAndScore();
                flat = graph.getFlattenedGradients();
            }
            double[] g = flat.toDoubleVector();
            double inv = 1.0 / batch.numExamples();
            for (int i = 0; i < g.length; i++) {
                gradientOut[i] = g[i] * inv;
            }
            return net.score();
        } finally {
            params.assign(saved);
        }
    }
}
