package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Snapshot;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.TensorVector;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Prober;
import dev.canyon.trainer.probe.Schedule;
import java.nio.FloatBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one step record per optimization step of a DL4J {@link MultiLayerNetwork} or {@link
 * ComputationGraph}: loss, learning rate, batch size, epoch, the exact O(d) scalars and the gradient
 * and weight delta in the run's {@link VectorRepresentation} (full float32, bfloat16 halves, or a
 * seeded CountSketch to k values); and, on the schedules of its {@link ProbePlan}, probes and
 * weight snapshots. Attach in one line with {@link #attach}, or {@code net.setListeners(new
 * TelemetryListener(config))}; records go to Kafka, or to any {@link TelemetrySink} given to the
 * {@link #builder}.
 *
 * <p>The scalars come for the whole model and per parameter tensor (DL4J's parameter table, e.g.
 * {@code 0_W}, {@code 0_b}).
 *
 * <p>How the values are read (DL4J 1.0.0-M2.1): in {@code onGradientCalculation} the flattened
 * gradient view holds the gradient summed over the minibatch, B times the mean, because the
 * updater divides by the batch size later; it is copied out there and divided by B. After the
 * step the same view holds the update, so Δθ_t is taken from the parameters themselves, which also
 * makes it right for every updater (momentum, Adam, ...). The loss is the score computed in that
 * forward pass, i.e. L_t at θ_{t−1}.
 *
 * <p>Cost per step: two bulk copies of d floats out of native memory, then one fused pass over d
 * that makes the scalars, Δθ and the sketches, then encoding and publishing. With {@link
 * TelemetryConfig#background()} the pass, encoding and publishing run on a telemetry thread and the
 * training thread waits only when that thread is a whole {@value #FRAMES} steps behind; that pays
 * where a core is free, and hurts where the math library already uses every core (the default
 * picks it only above two cores; see docs/benchmarks.md). Probe steps are synchronous (they evaluate the network). Memory: about 11 float
 * arrays of d, plus d ints for a sketch's hash map. A failure inside the listener is logged and
 * counted, never thrown into training.
 */
public final class TelemetryListener extends BaseTrainingListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryListener.class);
    /** Step frames in flight between the training thread and the telemetry thread. */
    static final int FRAMES = 3;

    private final TelemetryConfig config;
    private final TelemetrySink sink;
    private final RunDescription description;
    private final Prober prober;
    private final Schedule snapshots;
    private final AtomicLong listenerErrors = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();

    // Training thread.
    private int d = -1;
    private BlockingQueue<Frame> free;
    private BlockingQueue<Frame> work;
    private Frame current;
    private long step;
    private double lastLoss = Double.NaN;
    private Thread worker;
    private boolean announced;
    private boolean ended;
    private boolean closed;

    // Telemetry thread (handed over through the queues; read by the training thread only while idle).
    private float[] theta0, prevTheta, prevG, delta, prevDelta;
    private CountSketch sketch;
    private float[] sketchG, sketchDelta;
    private StepScalarsCalculator.Result scalars;
    private String[] tensorNames;
    private int[] tensorEnds;
    private long examplesSeen;
    private boolean snapshotTaken;
    private final Object progress = new Object();
    private long processed;

    /** One step's raw data, filled by the training thread and processed by the telemetry thread. */
    private static final class Frame {
        float[] g;
        float[] theta;
        long step;
        int epoch;
        long eventTimeMs;
        double loss;
        double learningRate;
        int batchSize;
        boolean stop;

        Frame(int d) {
            g = new float[d];
            theta = new float[d];
        }
    }

    private TelemetryListener(TelemetryConfig config, TelemetrySink sink, RunDescription description) {
        this.config = config;
        this.sink = sink;
        this.description = description;
        this.prober = config.probes() == ProbePlan.OFF ? null : new Prober(config.probes());
        this.snapshots = config.probes().snapshots();
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
            this.config = java.util.Objects.requireNonNull(config, "config");
        }

        /** Where the records go; default a new {@link KafkaTelemetrySink} for the configuration. The listener closes it. */
        public Builder sink(TelemetrySink s) {
            this.sink = java.util.Objects.requireNonNull(s, "sink");
            return this;
        }

        /** What the run is, for its run-started record; default {@link RunDescription#unknown()}. */
        public Builder description(RunDescription d) {
            this.description = java.util.Objects.requireNonNull(d, "description");
            return this;
        }

        /** The listener, not yet attached: it announces the run at the first step it sees. */
        public TelemetryListener build() {
            return new TelemetryListener(config, sink != null ? sink : new KafkaTelemetrySink(config), description);
        }

        /** The listener, with the run announced now and added to {@code net}'s listeners. */
        public TelemetryListener attach(MultiLayerNetwork net) {
            TelemetryListener l = build();
            l.announce(net);
            net.addListeners(l);
            return l;
        }

        /** The listener, with the run announced now and added to {@code graph}'s listeners. */
        public TelemetryListener attach(ComputationGraph graph) {
            TelemetryListener l = build();
            l.announce(graph);
            graph.addListeners(l);
            return l;
        }
    }

    /**
     * Fixes the batches the Hessian and linear-path probes evaluate (validation may be null); by
     * default they use the batch of the step being probed.
     */
    public void setProbeBatches(DataSet train, DataSet validation) {
        if (prober != null) {
            prober.setProbeBatches(train, validation);
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

    /** Time the telemetry thread has spent processing steps, ms (what telemetry costs besides the copies). */
    public double telemetryThreadMillis() {
        return busyNanos.get() / 1e6;
    }

    /** Failures inside the listener so far (each logged; training went on). */
    public long listenerErrors() {
        return listenerErrors.get();
    }

    private void announce(Model model) {
        announced = true;
        RunStarted started = RunStarted.newBuilder()
                .setRunId(config.runId())
                .setExperimentId(config.experimentId())
                .setEventTimeMs(config.clock().millis())
                .setParameterCount((int) model.numParams())
                .setModel(description.model())
                .setOptimizer(description.optimizer())
                .setDataset(description.dataset())
                .setBatchSize(description.batchSize())
                .setLearningRate(description.learningRate())
                .setSeed(description.seed())
                .setVectorEncoding(config.vectors().encoding())
                .setSketchSize(config.vectors().sketchSize())
                .setSketchSeed(config.vectors().encoding() == Encoding.SKETCH_FLOAT32 ? config.sketchSeed() : 0)
                .setInitialParameters(initialParameters(model))
                .putAllLabels(description.labels())
                .build();
        sink.send(Topics.RUNS, config.runId(), WireRecords.encode(started));
    }

    @Override
    public void onGradientCalculation(Model model) {
        try {
            if (!announced) {
                announce(model);
            }
            INDArray params = model.params();
            if (d < 0) {
                tensors(model);
                start((int) params.length());
                copy(params, theta0);
                System.arraycopy(theta0, 0, prevTheta, 0, d);
            }
            if (current == null) {
                current = free.take();
            }
            INDArray grad = model.gradient() != null && model.gradient().gradient() != null
                    ? model.gradient().gradient()
                    : flattenedGradients(model);
            copy(grad, current.g);
            current.batchSize = Math.max(1, model.batchSize());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            listenerError("reading the gradient", e);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        Frame f = current;
        if (f == null) {
            return;
        }
        current = null;
        try {
            copy(model.params(), f.theta);
            step++;
            lastLoss = model.score();
            f.step = step;
            f.epoch = epoch;
            f.eventTimeMs = config.clock().millis();
            f.loss = lastLoss;
            f.learningRate = learningRate(model, iteration, epoch);
            if (prober != null && prober.due(step)) {
                awaitProcessed(step - 1);
                probe(model, f);
            }
            if (worker == null) {
                runFrame(f);
            } else {
                work.put(f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            listenerError("publishing step " + step, e);
            free.offer(f);
        }
    }

    /** Tensor names and boundaries from DL4J's parameter table, whose order is the flattened layout. */
    private void tensors(Model model) {
        java.util.Map<String, INDArray> table = model.paramTable();
        java.util.List<String> names = new java.util.ArrayList<>();
        java.util.List<Integer> ends = new java.util.ArrayList<>();
        long end = 0;
        for (java.util.Map.Entry<String, INDArray> e : table.entrySet()) {
            end += e.getValue().length();
            names.add(e.getKey());
            ends.add((int) end);
        }
        if (end != model.numParams() || names.isEmpty()) {
            LOG.warn("parameter table covers {} of {} parameters; publishing whole-model scalars only", end, model.numParams());
            tensorNames = new String[0];
            tensorEnds = null;
            scalars = new StepScalarsCalculator.Result();
            return;
        }
        tensorNames = names.toArray(new String[0]);
        tensorEnds = ends.stream().mapToInt(Integer::intValue).toArray();
        scalars = StepScalarsCalculator.Result.withTensors(tensorNames.length);
    }

    private static StepScalars.Builder scalars(StepScalarsCalculator.Result r) {
        return StepScalars.newBuilder()
                .setGradNorm(r.gradNorm)
                .setDeltaNorm(r.deltaNorm)
                .setParamNorm(r.paramNorm)
                .setDisplacement(r.displacement)
                .setGradDotDelta(r.gradDotDelta)
                .setGradDotPrevGrad(r.gradDotPrevGrad)
                .setGradDotPrevDelta(r.gradDotPrevDelta);
    }

    private void start(int n) {
        d = n;
        theta0 = new float[n];
        prevTheta = new float[n];
        prevG = new float[n];
        delta = new float[n];
        prevDelta = new float[n];
        if (config.vectors().encoding() == Encoding.SKETCH_FLOAT32) {
            sketch = new CountSketch(n, config.vectors().sketchSize(), config.sketchSeed());
            sketchG = new float[config.vectors().sketchSize()];
            sketchDelta = new float[config.vectors().sketchSize()];
        }
        free = new ArrayBlockingQueue<>(FRAMES);
        work = new ArrayBlockingQueue<>(FRAMES + 1);
        for (int i = 0; i < FRAMES; i++) {
            free.add(new Frame(n));
        }
        if (config.background()) {
            worker = new Thread(this::work, "canyon-telemetry-" + config.runId());
            worker.setDaemon(true);
            worker.start();
        }
    }

    /** The telemetry thread: frames in step order. */
    private void work() {
        while (true) {
            Frame f;
            try {
                f = work.take();
            } catch (InterruptedException e) {
                return;
            }
            if (f.stop) {
                return;
            }
            runFrame(f);
        }
    }

    /** Processes one frame (on the telemetry thread, or inline) and returns it to the pool. */
    private void runFrame(Frame f) {
        long started = System.nanoTime();
        try {
            process(f);
        } catch (RuntimeException e) {
            listenerError("publishing step " + f.step, e);
        } finally {
            busyNanos.addAndGet(System.nanoTime() - started);
            synchronized (progress) {
                processed = f.step;
                progress.notifyAll();
            }
            free.offer(f);
        }
    }

    private void process(Frame f) {
        boolean first = f.step == 1;
        // One fused pass: g becomes the mean gradient (DL4J left the batch sum), Δθ, the scalars, and
        // the sketches when the run ships sketches.
        StepScalarsCalculator.compute(f.g, 1f / f.batchSize, f.theta, prevTheta, theta0, first ? null : prevG,
                first ? null : prevDelta, delta, sketch, sketchG, sketchDelta, tensorEnds, scalars);
        examplesSeen += f.batchSize;
        Step.Builder record = Step.newBuilder()
                .setRunId(config.runId())
                .setExperimentId(config.experimentId())
                .setStep(f.step)
                .setEpoch(f.epoch)
                .setEventTimeMs(f.eventTimeMs)
                .setLoss(f.loss)
                .setLearningRate(f.learningRate)
                .setBatchSize(f.batchSize)
                .setExamplesSeen(examplesSeen)
                .setScalars(scalars(scalars))
                .setGradient(encode(f.g, sketchG))
                .setDelta(encode(delta, sketchDelta))
                .setHealth(sink.health());
        int offset = 0;
        for (int t = 0; t < tensorNames.length; t++) {
            record.addTensors(TensorScalars.newBuilder().setName(tensorNames[t]).setOffset(offset)
                    .setSize(tensorEnds[t] - offset).setScalars(scalars(scalars.tensors[t])));
            offset = tensorEnds[t];
        }
        sink.send(Topics.STEPS, config.runId(), WireRecords.encode(record.build()));
        if (snapshots.due(f.step)) {
            if (!snapshotTaken) {
                snapshot(0, theta0, f.eventTimeMs);
            }
            snapshot(f.step, f.theta, f.eventTimeMs);
        }
        // θ_t, g_t and Δθ_t become the previous step's: swap arrays with the frame, no copy.
        float[] t = prevTheta;
        prevTheta = f.theta;
        f.theta = t;
        t = prevG;
        prevG = f.g;
        f.g = t;
        t = prevDelta;
        prevDelta = delta;
        delta = t;
    }

    /** Waits until the telemetry thread has processed step {@code s} (and is idle if nothing follows). */
    private void awaitProcessed(long s) throws InterruptedException {
        synchronized (progress) {
            while (processed < s) {
                progress.wait();
            }
        }
    }

    /** Runs the probes due after step {@code f.step}; the telemetry thread is idle (it has processed step t−1). */
    private void probe(Model model, Frame f) {
        DataSet stepBatch = null;
        try {
            stepBatch = model instanceof MultiLayerNetwork net && net.getInput() != null && net.getLabels() != null
                    ? new DataSet(net.getInput().dup(), net.getLabels().dup()) : null;
            double[] g = toDouble(f.g);
            for (int i = 0; i < d; i++) {
                g[i] /= f.batchSize;
            }
            Prober.Results r = prober.probe(model, f.step, stepBatch, toDouble(f.theta), toDouble(prevTheta), toDouble(theta0), g);
            Probe.Builder base = Probe.newBuilder().setRunId(config.runId()).setExperimentId(config.experimentId())
                    .setStep(f.step).setEventTimeMs(config.clock().millis());
            if (r.curvature() != null) {
                sink.send(Topics.STEPS, config.runId(), WireRecords.encode(base.clone().setCurvature(r.curvature()).build()));
            }
            if (r.hessian() != null) {
                sink.send(Topics.STEPS, config.runId(), WireRecords.encode(base.clone().setHessian(r.hessian()).build()));
            }
            if (r.linearPath() != null) {
                sink.send(Topics.STEPS, config.runId(), WireRecords.encode(base.clone().setLinearPath(r.linearPath()).build()));
            }
        } catch (RuntimeException e) {
            listenerError("probing step " + f.step, e);
        } finally {
            // Probes evaluate other batches; listeners after this one must still see the step's own
            // loss and batch.
            restoreAfterProbe(model, f.loss, stepBatch);
        }
    }

    private static void restoreAfterProbe(Model model, double loss, DataSet stepBatch) {
        if (model instanceof MultiLayerNetwork net) {
            net.setScore(loss);
            if (stepBatch != null) {
                net.setInput(stepBatch.getFeatures());
                net.setLabels(stepBatch.getLabels());
            }
        } else if (model instanceof org.deeplearning4j.nn.graph.ComputationGraph graph) {
            graph.setScore(loss);
        }
    }

    private void snapshot(long t, float[] params, long eventTimeMs) {
        snapshotTaken = true;
        Snapshot s = Snapshot.newBuilder().setRunId(config.runId()).setExperimentId(config.experimentId()).setStep(t)
                .setEventTimeMs(eventTimeMs).setParameters(Vectors.full(params)).build();
        sink.send(Topics.SNAPSHOTS, config.runId(), WireRecords.encode(s));
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /** θ_0 in the run's representation (sketched with the run's own sketch, so comparable with its deltas). */
    private TensorVector initialParameters(Model model) {
        float[] theta = new float[(int) model.numParams()];
        copy(model.params(), theta);
        return switch (config.vectors().encoding()) {
            case FLOAT32 -> Vectors.full(theta);
            case BFLOAT16 -> Vectors.half(theta);
            default -> {
                CountSketch s = new CountSketch(theta.length, config.vectors().sketchSize(), config.sketchSeed());
                yield Vectors.sketch(s.apply(theta), theta.length, s.seed());
            }
        };
    }

    /** {@code v} in the run's representation; {@code sketched} is its sketch from the fused pass. */
    private TensorVector encode(float[] v, float[] sketched) {
        VectorRepresentation rep = config.vectors();
        return switch (rep.encoding()) {
            case FLOAT32 -> Vectors.full(v);
            case BFLOAT16 -> Vectors.half(v);
            default -> Vectors.sketch(sketched, d, sketch.seed());
        };
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

    private static double learningRate(Model model, int iteration, int epoch) {
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

    private void listenerError(String what, RuntimeException e) {
        if (listenerErrors.incrementAndGet() <= 10) {
            LOG.error("Canyon telemetry failed while {} (training continues): {}", what, e.toString(), e);
        }
    }

    /** Waits until every step so far has been processed and handed to the publisher (not acknowledged). */
    public void awaitProcessing() {
        try {
            awaitProcessed(step);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until every step so far is processed and its records acknowledged (or journaled past
     * {@code timeout}); true when everything was delivered.
     */
    public boolean flush(java.time.Duration timeout) {
        if (worker != null) {
            try {
                awaitProcessed(step);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return sink.flush(timeout);
    }

    /** Publishes the run-ended record (after every step record); nothing when the run was never announced (no step). */
    public void endRun(RunEnded.Outcome outcome, String message) {
        if (ended) {
            return;
        }
        ended = true;
        drain();
        if (!announced) {
            LOG.info("Canyon telemetry saw no training step of run {}; no run records published", config.runId());
            return;
        }
        RunEnded runEnded = RunEnded.newBuilder()
                .setRunId(config.runId())
                .setExperimentId(config.experimentId())
                .setEventTimeMs(config.clock().millis())
                .setSteps(step)
                .setOutcome(outcome)
                .setFinalLoss(Double.isFinite(lastLoss) ? lastLoss : 0)
                .setMessage(message == null ? "" : message)
                .setHealth(sink.health())
                .build();
        sink.send(Topics.RUNS, config.runId(), WireRecords.encode(runEnded));
    }

    /** Waits until every step so far has been handed to the publisher, then stops the telemetry thread. */
    private void drain() {
        if (worker == null) {
            return;
        }
        try {
            awaitProcessed(step);
            Frame stop = new Frame(0);
            stop.stop = true;
            work.put(stop);
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs {@code training} with this listener attached, then ends the run (COMPLETED, or FAILED
     * with the exception's text, which is rethrown) and closes the listener. A telemetry failure at
     * close is thrown only when training itself succeeded.
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
     * and closes the producer; throws {@link TelemetryException} if any record was not delivered.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        endRun(RunEnded.Outcome.COMPLETED, null);
        sink.close();
    }
}
