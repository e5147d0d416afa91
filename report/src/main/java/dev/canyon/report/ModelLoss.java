package dev.canyon.report;

import dev.canyon.trainer.ModelRecipe;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The loss of a run's model at given parameters, on fixed evaluation batches: the model is rebuilt
 * from the run's {@link ModelRecipe} and evaluated with DL4J (the same loss the trainer minimized,
 * without regularization, which Canyon's models do not use).
 */
public final class ModelLoss {
    private final MultiLayerNetwork net;
    private final DataSet train;
    private final DataSet validation;

    /**
     * @param dimension the run's parameter count (checked against the rebuilt model)
     * @param train the training examples to evaluate on
     * @param validation held-out examples, or null
     */
    public ModelLoss(ModelRecipe recipe, long dimension, DataSet train, DataSet validation) {
        this.net = recipe.network();
        if (net.numParams() != dimension) {
            throw new IllegalArgumentException("the rebuilt " + recipe.model() + " has " + net.numParams()
                    + " parameters but the run recorded " + dimension + ": its recipe labels do not describe it");
        }
        this.train = train;
        this.validation = validation;
    }

    /** Examples in the training evaluation batch. */
    public int trainExamples() {
        return train.numExamples();
    }

    public boolean hasValidation() {
        return validation != null;
    }

    /** Loss on the training evaluation batch at θ. */
    public double train(double[] theta) {
        return at(theta, train);
    }

    /** Loss on the validation batch at θ (NaN without one). */
    public double validation(double[] theta) {
        return validation == null ? Double.NaN : at(theta, validation);
    }

    private double at(double[] theta, DataSet batch) {
        INDArray p = Nd4j.create(theta, new long[] {1, theta.length}).castTo(net.params().dataType());
        net.setParams(p);
        return net.score(batch);
    }

    /** {@code f} widened to doubles. */
    public static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
