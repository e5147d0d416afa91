package dev.canyon.trainer.telemetry;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Schedule;
import java.time.Duration;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Publishes one step record per optimization step of a DL4J {@link MultiLayerNetwork} or {@link
 * ComputationGraph}: loss, learning rate, batch size, epoch, the exact O(d) scalars and the gradient
 * and weight delta in the run's {@link VectorRepresentation} (full float32, bfloat16 halves, or a
 * seeded CountSketch to k values); and, on the schedules of its {@link ProbePlan}, probes and
 * weight snapshots. Attach in one line with {@link #attach}, or {@code net.setListeners(new
 * TelemetryListener(config))}; records go to Kafka, or to any {@link TelemetrySink} given to the
 * {@link #builder}. Close it after training (or run the training through {@link #around}).
 *
 * <p>The scalars come for the whole model and per parameter tensor (DL4J's parameter table, e.g.
 * {@code 0_W}, {@code 0_b}). The loss is the score of the step's forward pass, i.e. L_t at
 * θ_{t−1}; the gradient is read where DL4J computed it and divided by B, and Δθ_t is taken from the
 * parameters themselves, so it is right for every updater (see {@code Dl4jNetwork}).
 *
 * <p>Cost per step: two bulk copies of d floats out of native memory on the training thread, then
 * one fused pass over d that makes the scalars, Δθ and the sketches (on the JDK's Vector API when
 * the JVM has {@code jdk.incubator.vector}, see {@link StepScalarsCalculator#kernelName()}), then
 * encoding and publishing ({@code StepRecorder}); {@link #trainingThreadMillis()} adds up what the
 * training thread spent. With {@link TelemetryConfig#background()} that work runs on a telemetry
 * thread and the training thread waits only when that thread is a whole {@value #FRAMES} steps
 * behind ({@code StepHandoff}); that pays where a core is free, and hurts where the math library
 * already uses every core (the default picks it only above two cores; see docs/benchmarks.md).
 * Probe steps are synchronous: they evaluate the network ({@code ScheduledProbes}). Memory: about
 * 11 float arrays of d, plus d ints for a sketch's hash map. A failure inside the listener is logged
 * and counted, never thrown into training.
 */
public final class TelemetryListener extends BaseTrainingListener implements AutoCloseable {
    /** Step frames in flight between the training thread and the telemetry thread. */
    static final int FRAMES = 3;

    private final TelemetryConfig config;
    private final TelemetrySink sink;
    private final RunRecords records;
    private final RunLifecycle run;
    private final ScheduledProbes probes;
    private final ListenerErrors errors = new ListenerErrors();

    // Training thread. The recorder and hand-off start with the first step, when d is known.
    private StepRecorder recorder;
    private StepHandoff handoff;
    private StepFrame current;
    private long step;
    private double lastLoss = Double.NaN;
    private long trainingThreadNanos;

    private TelemetryListener(TelemetryConfig config, TelemetrySink sink, RunDescription description) {
        this.config = config;
        this.sink = sink;
        this.records = new RunRecords(config, description);
        this.run = new RunLifecycle(records, sink, config.runId(), config.clock(), this::drain, config.strictDelivery());
        this.probes = config.probes() == ProbePlan.OFF ? null
                : new ScheduledProbes(config.probes(), records, sink, config.runId(), config.clock(), errors);
    }

    /**
     * A listener publishing to Kafka as {@code config} says, for {@code net.setListeners(...)}: it
     * announces the run (run-started, with θ_0) at the first step it sees. Close it after training.
     */
    public TelemetryListener(TelemetryConfig config) {
        this(config, RunDescription.unknown());
    }

    /** The same, with what the run is ({@link RunDescription}) in its run-started record. */
    public TelemetryListener(TelemetryConfig config, RunDescription description) {
        this(config, new KafkaTelemetrySink(config), description);
    }

    /** Creates a listener publishing to Kafka, announces the run now and adds the listener to {@code net}. */
    public static TelemetryListener attach(MultiLayerNetwork net, TelemetryConfig config, RunDescription description) {
        return builder(config).description(description).attach(net);
    }

    /** Creates a listener publishing to Kafka, announces the run now and adds the listener to {@code graph}. */
    public static TelemetryListener attach(ComputationGraph graph, TelemetryConfig config, RunDescription description) {
        return builder(config).description(description).attach(graph);
    }

    /** A builder for a listener with {@code config}: its sink (Kafka by default) and run description. */
    public static Builder builder(TelemetryConfig config) {
        return new Builder(config);
    }

    /** Builds a {@link TelemetryListener}: configuration, sink and run description. */
    public static final class Builder {
        private final TelemetryConfig config;
        private TelemetrySink sink;
        private RunDescription description = RunDescription.unknown();

        private Builder(TelemetryConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** Where the records go; default a new {@link KafkaTelemetrySink} for the configuration. The listener closes it. */
        public Builder sink(TelemetrySink s) {
            this.sink = Objects.requireNonNull(s, "sink");
            return this;
        }

        /** What the run is, for its run-started record; default {@link RunDescription#unknown()}. */
        public Builder description(RunDescription d) {
            this.description = Objects.requireNonNull(d, "description");
            return this;
        }

        /** The listener, not yet attached: it announces the run at the first step it sees. */
        public TelemetryListener build() {
            return new TelemetryListener(config, sink != null ? sink : new KafkaTelemetrySink(config), description);
        }

        /** The listener, with the run announced now and added to {@code net}'s listeners. */
        public TelemetryListener attach(MultiLayerNetwork net) {
            TelemetryListener l = build();
            l.run.start(net);
            net.addListeners(l);
            return l;
        }

        /** The listener, with the run announced now and added to {@code graph}'s listeners. */
        public TelemetryListener attach(ComputationGraph graph) {
            TelemetryListener l = build();
            l.run.start(graph);
            graph.addListeners(l);
            return l;
        }
    }

    /**
     * Fixes the batches the Hessian and linear-path probes evaluate (validation may be null); by
     * default they use the batch of the step being probed.
     */
    public void setProbeBatches(DataSet train, DataSet validation) {
        if (probes != null) {
            probes.setProbeBatches(train, validation);
        }
    }

    public String runId() {
        return config.runId();
    }

    public String experimentId() {
        return config.experimentId();
    }

    /** Steps observed so far. */
    public long steps() {
        return step;
    }

    /** Loss of the last step, NaN before the first. */
    public double lastLoss() {
        return lastLoss;
    }

    /** Where the records go (its {@link TelemetrySink#report()} counts what was delivered). */
    public TelemetrySink sink() {
        return sink;
    }

    /**
     * What became of this run's records: after {@link #close()} the final report (delivered,
     * dropped, and how many wait in which journal for the next start or {@code canyon resend}); before,
     * the counts so far.
     */
    public DeliveryReport deliveryReport() {
        return sink.report();
    }

    /** Time spent processing steps, ms (what telemetry costs besides the copies). */
    public double telemetryThreadMillis() {
        return handoff == null ? 0 : handoff.busyNanos() / 1e6;
    }

    /**
     * Time the listener spent on the training thread so far, ms: the copies, the inline processing
     * (when not in the background), waiting for a free frame, and probes. What a step pays for
     * telemetry on its own thread.
     */
    public double trainingThreadMillis() {
        return trainingThreadNanos / 1e6;
    }

    /** Failures inside the listener so far (each logged; training went on). */
    public long listenerErrors() {
        return errors.count();
    }

    @Override
    public void onGradientCalculation(Model model) {
        long started = System.nanoTime();
        try {
            run.start(model);
            if (handoff == null) {
                recorder = new StepRecorder(records, sink, config.runId(), config.probes().snapshots(), Dl4jNetwork.parameters(model),
                        Dl4jNetwork.tensors(model), config.vectors().sketchSize(), config.sketchSeed())
                        .withDiagnostics(Schedule.every(config.histogramEvery()), config.histogramBins(),
                                Schedule.every(config.jvmEvery()));
                handoff = new StepHandoff(Dl4jNetwork.parameterCount(model), FRAMES, config.background(),
                        "canyon-telemetry-" + config.runId(), recorder::record, errors);
            }
            if (current == null) {
                current = handoff.take();
            }
            Dl4jNetwork.copyGradient(model, current.g);
            current.batchSize = Dl4jNetwork.batchSize(model);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            errors.report("reading the gradient", e);
        } finally {
            trainingThreadNanos += System.nanoTime() - started;
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        StepFrame f = current;
        if (f == null) {
            return;
        }
        current = null;
        long started = System.nanoTime();
        try {
            Dl4jNetwork.copyParameters(model, f.theta);
            step++;
            lastLoss = model.score();
            f.step = step;
            f.nanoTime = started;
            f.epoch = epoch;
            f.eventTimeMs = config.clock().millis();
            f.loss = lastLoss;
            f.learningRate = Dl4jNetwork.learningRate(model, iteration, epoch);
            if (probes != null && probes.due(step)) {
                // The probes read θ_{t−1}: the telemetry thread must have processed step t−1 and be idle.
                handoff.awaitProcessed(step - 1);
                probes.run(model, f, iteration, recorder.previousTheta(), recorder.theta0());
            }
            handoff.submit(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            errors.report("publishing step " + step, e);
            handoff.recycle(f);
        } finally {
            trainingThreadNanos += System.nanoTime() - started;
        }
    }

    /** Waits until every step so far has been processed and handed to the sink (not acknowledged). */
    public void awaitProcessing() {
        try {
            if (handoff != null) {
                handoff.awaitProcessed(step);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until every step so far is processed and its records acknowledged (or journaled past
     * {@code timeout}); true when everything was delivered.
     */
    public boolean flush(Duration timeout) {
        if (handoff != null && handoff.background()) {
            try {
                handoff.awaitProcessed(step);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return sink.flush(timeout);
    }

    /** Publishes the run-ended record (after every step record); nothing when no step was seen. */
    public void endRun(RunEnded.Outcome outcome, String message) {
        run.end(outcome, message, step, lastLoss);
    }

    /** Waits until every step so far has been handed to the sink, then stops the telemetry thread. */
    private void drain() {
        if (handoff == null) {
            return;
        }
        try {
            handoff.stop(step);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs {@code training} with this listener attached, then ends the run (COMPLETED, or FAILED
     * with the exception's text, which is rethrown) and closes the listener. A telemetry failure at
     * close (only with {@link TelemetryConfig#strictDelivery()}) is thrown only when training itself
     * succeeded.
     */
    public void around(Runnable training) {
        RunEnded.Outcome outcome = RunEnded.Outcome.COMPLETED;
        String message = null;
        try {
            training.run();
        } catch (RuntimeException e) {
            outcome = RunEnded.Outcome.FAILED;
            message = e.toString();
            throw e;
        } finally {
            endRun(outcome, message);
            try {
                close();
            } catch (RuntimeException e) {
                if (outcome == RunEnded.Outcome.COMPLETED) {
                    throw e;
                }
            }
        }
    }

    /**
     * Ends the run as completed (unless {@link #endRun} was called), then delivers what is pending
     * within the close budget ({@link TelemetryConfig#closeTimeout()}) and closes the sink. Never
     * throws by default: what Kafka did not take waits in the journal (one warning says how much and
     * where) and {@link #deliveryReport()} tells. With {@link TelemetryConfig#strictDelivery()} it
     * throws {@link TelemetryException} if any record was not delivered.
     */
    @Override
    public void close() {
        run.close(step, lastLoss);
    }
}
