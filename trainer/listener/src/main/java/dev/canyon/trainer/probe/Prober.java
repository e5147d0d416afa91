package dev.canyon.trainer.probe;

import dev.canyon.contract.proto.CurvatureProbe;
import dev.canyon.contract.proto.GradientNoiseProbe;
import dev.canyon.kernels.noise.SamePointGradients;
import dev.canyon.contract.proto.HessianProbe.Builder;
import dev.canyon.contract.proto.LinearPathProbe;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the scheduled probes of a {@link ProbePlan} on a DL4J network after a step and returns their
 * results as wire messages. Same-batch curvature needs the step's batch, which DL4J exposes for a
 * MultiLayerNetwork only; for a ComputationGraph the Hessian and linear-path probes run on the
 * probe batches. For a network trained by DL4J's Adam, the Hessian probe also measures the
 * preconditioned sharpness λmax(P⁻¹H) ({@link AdamPreconditioner}; {@code iterations} more
 * Hessian-vector products). The network's parameters are left exactly as they were
 * (every oracle call restores them).
 */
public final class Prober {
    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);
    private final ProbePlan plan;
    private DataSet probeBatch;
    private DataSet validationBatch;
    private boolean preconditionerWarned;

    public Prober(ProbePlan plan) {
        this.plan = plan;
    }

    public ProbePlan plan() {
        return plan;
    }

    /** Fixes the batches the Hessian and linear-path probes use (validation may be null). */
    public void setProbeBatches(DataSet train, DataSet validation) {
        this.probeBatch = train;
        this.validationBatch = validation;
    }

    /** Adam's P, or null (not Adam, or its state could not be read: warned once, the other results still go out). */
    private double[] adamPreconditioner(Model net, int iteration) {
        try {
            return AdamPreconditioner.diagonal(net, iteration);
        } catch (RuntimeException e) {
            if (!preconditionerWarned) {
                preconditionerWarned = true;
                LOG.warn("could not read Adam's preconditioner from the updater state; Hessian probes go out without "
                        + "the preconditioned sharpness (the stability ratio of this Adam run will be absent): {}", e.toString());
            }
            return null;
        }
    }

    /** Whether any probe is due after {@code step}. */
    public boolean due(long step) {
        return plan.curvature().due(step) || plan.hessian().due(step) || plan.linearPath().due(step)
                || plan.gradientNoise().due(step);
    }

    /** Results of the probes due after one step; each field null when that probe did not run. */
    public record Results(CurvatureProbe curvature, dev.canyon.contract.proto.HessianProbe hessian, LinearPathProbe linearPath,
            GradientNoiseProbe gradientNoise) {
        /** Results without a same-point probe. */
        public Results(CurvatureProbe curvature, dev.canyon.contract.proto.HessianProbe hessian, LinearPathProbe linearPath) {
            this(curvature, hessian, linearPath, null);
        }
    }

    /**
     * Probes after step {@code step}.
     *
     * @param iteration the 0-based iteration DL4J passed to the updater for step t (the {@code
     *     iteration} argument of {@code iterationDone}): Adam's bias corrections at that step
     * @param stepBatch the batch step t was trained on (for same-batch curvature)
     * @param theta θ_t
     * @param prevTheta θ_{t−1}
     * @param theta0 θ_0
     * @param g g_t = ∇L_B(θ_{t−1}), mean over the batch
     */
    public Results probe(Model net, long step, int iteration, DataSet stepBatch, double[] theta, double[] prevTheta,
            double[] theta0, double[] g) {
        CurvatureProbe curvature = null;
        dev.canyon.contract.proto.HessianProbe hessian = null;
        LinearPathProbe linearPath = null;
        if (plan.curvature().due(step) && stepBatch != null) {
            NetworkOracle oracle = new NetworkOracle(net, stepBatch);
            double[] gNew = new double[theta.length];
            oracle.gradient(theta, gNew);
            double dd = 0, num = 0, gg = 0;
            for (int i = 0; i < theta.length; i++) {
                double delta = theta[i] - prevTheta[i];
                dd += delta * delta;
                num += (gNew[i] - g[i]) * delta;
                gg += g[i] * g[i];
            }
            double alongGradient = new HessianProbe(oracle, plan.relativeStep()).curvature(theta, g);
            curvature = CurvatureProbe.newBuilder()
                    .setAlongStep(dd == 0 ? 0 : num / dd)
                    .setAlongGradient(gg == 0 ? 0 : alongGradient)
                    .setStepNorm(Math.sqrt(dd))
                    .setGradNorm(Math.sqrt(gg))
                    .setBatchSize(stepBatch.numExamples())
                    .build();
        }
        DataSet fixed = probeBatch != null ? probeBatch : stepBatch;
        if (plan.hessian().due(step) && fixed != null) {
            HessianProbe probe = new HessianProbe(new NetworkOracle(net, fixed), plan.relativeStep());
            HessianProbe.Extremes e = probe.extremes(theta, plan.iterations(), plan.traceSamples(), step);
            int products = e.hessianVectorProducts();
            // Adam's edge of stability is on P⁻¹H (StabilityRatio): one more Lanczos run, on P^-1/2 H P^-1/2.
            double[] p = plan.iterations() > 0 ? adamPreconditioner(net, iteration) : null;
            HessianProbe.Preconditioned pre = p == null ? null : probe.preconditionedMax(theta, p, plan.iterations(), step + 1);
            Builder b = dev.canyon.contract.proto.HessianProbe.newBuilder()
                    .setMaxEigenvalue(e.maxEigenvalue())
                    .setMinEigenvalue(e.minEigenvalue())
                    .setTrace(Double.isNaN(e.trace()) ? 0 : e.trace())
                    .setIterations(plan.iterations())
                    .setTraceSamples(plan.traceSamples())
                    .setBatchSize(fixed.numExamples());
            if (Double.isFinite(e.traceStderr())) {
                b.setTraceStderr(e.traceStderr());
            }
            if (pre != null) {
                products += pre.hessianVectorProducts();
                if (Double.isFinite(pre.maxEigenvalue())) {
                    b.setPreconditionedMaxEigenvalue(pre.maxEigenvalue());
                }
            }
            hessian = b.setHessianVectorProducts(products).build();
        }
        if (plan.linearPath().due(step) && fixed != null) {
            NetworkOracle train = new NetworkOracle(net, fixed);
            NetworkOracle validation = validationBatch == null ? null : new NetworkOracle(net, validationBatch);
            LinearPathProbe.Builder b = LinearPathProbe.newBuilder();
            double[] point = new double[theta.length];
            for (double alpha : plan.alphas()) {
                for (int i = 0; i < theta.length; i++) {
                    point[i] = (1 - alpha) * theta0[i] + alpha * theta[i];
                }
                b.addAlpha(alpha).addTrainLoss(train.loss(point));
                if (validation != null) {
                    b.addValidationLoss(validation.loss(point));
                }
            }
            linearPath = b.build();
        }
        GradientNoiseProbe gradientNoise = null;
        if (plan.gradientNoise().due(step)) {
            // On the step's batch the point is θ_{t−1}, where its examples were still an independent draw (θ_t
            // was moved by them); the fixed probe batch never moved θ, so there it is θ_t.
            gradientNoise = stepBatch != null ? samePoint(net, stepBatch, false, prevTheta) : samePoint(net, probeBatch, true, theta);
        }
        return new Results(curvature, hessian, linearPath, gradientNoise);
    }

    /**
     * Same-point gradients at {@code theta} on {@code batch} split into the plan's parts (fewer when the batch
     * holds fewer than 2 examples a part; null when it holds fewer than 2 examples).
     */
    private GradientNoiseProbe samePoint(Model net, DataSet batch, boolean fixed, double[] theta) {
        if (batch == null) {
            return null;
        }
        int n = batch.numExamples();
        int m = Math.min(plan.noiseParts(), n / 2 >= 2 ? n / 2 : n);
        if (m < 2) {
            return null;
        }
        int b = n / m;
        double[][] parts = new double[m][];
        for (int i = 0; i < m; i++) {
            DataSet part = (DataSet) batch.getRange(i * b, (i + 1) * b);
            parts[i] = new double[theta.length];
            new NetworkOracle(net, part).gradient(theta, parts[i]);
        }
        SamePointGradients.Estimate e = SamePointGradients.of(parts, b);
        return GradientNoiseProbe.newBuilder().setParts(e.parts()).setPartSize(e.partSize()).setGradNormSq(e.gradNormSq())
                .setGradNormSqStderr(e.gradNormSqStderr()).setNoiseTrace(e.noiseTrace()).setFixedBatch(fixed).build();
    }
}
