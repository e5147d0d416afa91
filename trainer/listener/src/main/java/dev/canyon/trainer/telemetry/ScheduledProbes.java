package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Prober;
import java.time.Clock;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Runs the probes of a {@link ProbePlan} that are due after a step, on the training thread (they
 * evaluate the network), and sends their records just before that step's record: one ordered stream
 * per run, so every reader sees a probe between the same two steps. Afterwards the network is as
 * the step left it: the probes restore its parameters, and this restores its score and batch.
 * Failures are reported to {@link ListenerErrors}, never thrown into training.
 */
final class ScheduledProbes {
    private final Prober prober;
    private final RunRecords records;
    private final TelemetrySink sink;
    private final String key;
    private final Clock clock;
    private final ListenerErrors errors;

    ScheduledProbes(ProbePlan plan, RunRecords records, TelemetrySink sink, String key, Clock clock, ListenerErrors errors) {
        this.prober = new Prober(plan);
        this.records = records;
        this.sink = sink;
        this.key = key;
        this.clock = clock;
        this.errors = errors;
    }

    /** Fixes the batches the Hessian and linear-path probes evaluate (validation may be null). */
    void setProbeBatches(DataSet train, DataSet validation) {
        prober.setProbeBatches(train, validation);
    }

    /** Whether any probe is due after {@code step}. */
    boolean due(long step) {
        return prober.due(step);
    }

    /**
     * Runs the probes due after the step of {@code f} (θ_t in {@code f.theta}, g_t summed over the
     * batch in {@code f.g}) and sends their records.
     *
     * @param iteration the 0-based iteration DL4J gave the updater for this step (iterationDone's argument)
     * @param prevTheta θ_{t−1}
     * @param theta0 θ_0
     */
    void run(Model model, StepFrame f, int iteration, float[] prevTheta, float[] theta0) {
        DataSet stepBatch = null;
        try {
            stepBatch = Dl4jNetwork.stepBatch(model);
            double[] g = toDouble(f.g);
            for (int i = 0; i < g.length; i++) {
                g[i] /= f.batchSize;
            }
            Prober.Results r = prober.probe(model, f.step, iteration, stepBatch, toDouble(f.theta), toDouble(prevTheta), toDouble(theta0), g);
            for (byte[] probe : records.probes(f.step, clock.millis(), r)) {
                sink.send(Topics.STEPS, key, probe);
            }
        } catch (RuntimeException e) {
            errors.report("probing step " + f.step, e);
        } finally {
            // Probes evaluate other batches; listeners after this one must still see the step's own
            // loss and batch.
            Dl4jNetwork.restoreAfterProbe(model, f.loss, stepBatch);
        }
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
