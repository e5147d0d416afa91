package dev.canyon.trainer.telemetry;

import dev.canyon.contract.Topics;
import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.proto.TensorVector;
import dev.canyon.contract.sketch.CountSketch;
import dev.canyon.trainer.probe.ProbePlan;
import dev.canyon.trainer.probe.Prober;
import org.nd4j.linalg.dataset.DataSet;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Snapshot;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one step record per optimization step of a DL4J {@link MultiLayerNetwork} or {@link
 * ComputationGraph}: loss, learning rate, batch size, epoch, the exact O(d) scalars and the gradient
 * and weight delta in the run's {@link VectorRepresentation} (full float32, bfloat16 halves, or a
 * seeded CountSketch to k values). Attach in one line with {@link #attach}.
 *
 * <p>How the values are read (DL4J 1.0.0-M2.1): in {@code onGradientCalculation} the flattened
 * gradient view holds the gradient summed over the minibatch, B times the mean, because the
 * updater divides by the batch size later; it is copied out and divided by B there. After the
 * step the same view holds the update, so Δθ_t is taken from the parameters themselves, which
 * also makes it right for every updater (momentum, Adam, ...). The loss is the score computed in
 * that forward pass, i.e. L_t at θ_{t−1}.
 *
 * <p>Cost per step: two bulk copies of d floats out of native memory and one fused pass (see
 * {@link StepScalarsCalculator}); a sketch adds one more pass; no d-sized allocation except the
 * record's own bytes (k-sized for sketches). Memory: seven float arrays of d, plus d ints for a
 * sketch's hash map. A failure inside the listener is logged and counted, never thrown into
 * training.
 */
public final class TelemetryListener extends BaseTrainingListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryListener.class);

    private final TelemetryConfig config;
    private final TelemetryPublisher publisher;
    private final RunDescription description;
    private final StepScalarsCalculator.Result scalars = new StepScalarsCalculator.Result();

    private int d = -1;
    private float[] g, prevG, theta, prevTheta, theta0, delta, prevDelta;
    private final Prober prober;
    private final dev.canyon.trainer.probe.Schedule snapshots;
    private boolean snapshotTaken;
    private CountSketch sketch;
    private float[] sketchOut;
    private boolean gradientReady;
    private int batchSize;
    private long step;
    private long examplesSeen;
    private double lastLoss = Double.NaN;
    private long listenerErrors;
    private boolean ended;
    private boolean closed;

    private TelemetryListener(TelemetryConfig config, TelemetryPublisher publisher, RunDescription description) {
        this.config = config;
        this.publisher = publisher;
        this.description = description;
        this.prober = config.probes() == ProbePlan.OFF ? null : new Prober(config.probes());
        this.snapshots = config.probes().snapshots();
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

    /** Creates a listener publishing through a new producer and adds it to {@code net}. */
    public static TelemetryListener attach(MultiLayerNetwork net, TelemetryConfig config, RunDescription description) {
        TelemetryListener l = new TelemetryListener(config, new TelemetryPublisher(config), description);
        l.announce(net);
        net.addListeners(l);
        return l;
    }

    /** Creates a listener publishing through a new producer and adds it to {@code graph}. */
    public static TelemetryListener attach(ComputationGraph graph, TelemetryConfig config, RunDescription description) {
        TelemetryListener l = new TelemetryListener(config, new TelemetryPublisher(config), description);
        l.announce(graph);
        graph.addListeners(l);
        return l;
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

    public TelemetryPublisher publisher() {
        return publisher;
    }

    private void announce(Model model) {
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
                .build();
        publisher.send(Topics.RUNS, config.runId(), WireRecords.encode(started));
    }

    @Override
    public void onGradientCalculation(Model model) {
        try {
            INDArray params = model.params();
            if (d < 0) {
                allocate((int) params.length());
                copy(params, prevTheta);
                System.arraycopy(prevTheta, 0, theta0, 0, d);
            }
            INDArray grad = model.gradient() != null && model.gradient().gradient() != null
                    ? model.gradient().gradient()
                    : flattenedGradients(model);
            copy(grad, g);
            batchSize = Math.max(1, model.batchSize());
            float inv = 1f / batchSize;
            for (int i = 0; i < d; i++) {
                g[i] *= inv;
            }
            gradientReady = true;
        } catch (RuntimeException e) {
            gradientReady = false;
            listenerError("reading the gradient", e);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (!gradientReady) {
            return;
        }
        gradientReady = false;
        try {
            copy(model.params(), theta);
            boolean first = step == 0;
            StepScalarsCalculator.compute(g, theta, prevTheta, theta0, first ? null : prevG, first ? null : prevDelta,
                    delta, scalars);
            step++;
            examplesSeen += batchSize;
            lastLoss = model.score();
            Step record = Step.newBuilder()
                    .setRunId(config.runId())
                    .setExperimentId(config.experimentId())
                    .setStep(step)
                    .setEpoch(epoch)
                    .setEventTimeMs(config.clock().millis())
                    .setLoss(lastLoss)
                    .setLearningRate(learningRate(model, iteration, epoch))
                    .setBatchSize(batchSize)
                    .setExamplesSeen(examplesSeen)
                    .setScalars(StepScalars.newBuilder()
                            .setGradNorm(scalars.gradNorm)
                            .setDeltaNorm(scalars.deltaNorm)
                            .setParamNorm(scalars.paramNorm)
                            .setDisplacement(scalars.displacement)
                            .setGradDotDelta(scalars.gradDotDelta)
                            .setGradDotPrevGrad(scalars.gradDotPrevGrad)
                            .setGradDotPrevDelta(scalars.gradDotPrevDelta))
                    .setGradient(encode(g))
                    .setDelta(encode(delta))
                    .setHealth(publisher.health())
                    .build();
            publisher.send(Topics.STEPS, config.runId(), WireRecords.encode(record));
            if (prober != null && prober.due(step)) {
                probe(model);
            }
            if (snapshots.due(step)) {
                if (!snapshotTaken) {
                    snapshot(0, theta0);
                }
                snapshot(step, theta);
            }
            // θ_t becomes θ_{t−1}, g_t becomes g_{t−1}, Δθ_t becomes Δθ_{t−1}: swap, no copy.
            float[] t = prevTheta;
            prevTheta = theta;
            theta = t;
            t = prevG;
            prevG = g;
            g = t;
            t = prevDelta;
            prevDelta = delta;
            delta = t;
        } catch (RuntimeException e) {
            listenerError("publishing step " + (step + 1), e);
        }
    }

    private void probe(Model model) {
        try {
            DataSet stepBatch = model instanceof MultiLayerNetwork net && net.getInput() != null && net.getLabels() != null
                    ? new DataSet(net.getInput().dup(), net.getLabels().dup()) : null;
            Prober.Results r = prober.probe(model, step, stepBatch, toDouble(theta), toDouble(prevTheta), toDouble(theta0),
                    toDouble(g));
            long now = config.clock().millis();
            Probe.Builder base = Probe.newBuilder().setRunId(config.runId()).setExperimentId(config.experimentId())
                    .setStep(step).setEventTimeMs(now);
            if (r.curvature() != null) {
                publisher.send(Topics.PROBES, config.runId(), WireRecords.encode(base.clone().setCurvature(r.curvature()).build()));
            }
            if (r.hessian() != null) {
                publisher.send(Topics.PROBES, config.runId(), WireRecords.encode(base.clone().setHessian(r.hessian()).build()));
            }
            if (r.linearPath() != null) {
                publisher.send(Topics.PROBES, config.runId(), WireRecords.encode(base.clone().setLinearPath(r.linearPath()).build()));
            }
        } catch (RuntimeException e) {
            listenerError("probing step " + step, e);
        }
    }

    private void snapshot(long t, float[] params) {
        snapshotTaken = true;
        Snapshot s = Snapshot.newBuilder().setRunId(config.runId()).setExperimentId(config.experimentId()).setStep(t)
                .setEventTimeMs(config.clock().millis()).setParameters(Vectors.full(params)).build();
        publisher.send(Topics.SNAPSHOTS, config.runId(), WireRecords.encode(s));
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private TensorVector encode(float[] v) {
        VectorRepresentation rep = config.vectors();
        return switch (rep.encoding()) {
            case FLOAT32 -> Vectors.full(v);
            case BFLOAT16 -> Vectors.half(v);
            default -> {
                sketch.apply(v, sketchOut);
                yield Vectors.sketch(sketchOut, d, sketch.seed());
            }
        };
    }

    private void allocate(int n) {
        if (config.vectors().encoding() == Encoding.SKETCH_FLOAT32) {
            sketch = new CountSketch(n, config.vectors().sketchSize(), config.sketchSeed());
            sketchOut = new float[config.vectors().sketchSize()];
        }
        d = n;
        g = new float[n];
        prevG = new float[n];
        theta = new float[n];
        prevTheta = new float[n];
        theta0 = new float[n];
        delta = new float[n];
        prevDelta = new float[n];
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
        listenerErrors++;
        if (listenerErrors <= 10) {
            LOG.error("Canyon telemetry failed while {} (training continues): {}", what, e.toString(), e);
        }
    }

    /** Publishes the run-ended record. */
    public void endRun(RunEnded.Outcome outcome, String message) {
        if (ended) {
            return;
        }
        ended = true;
        RunEnded ended = RunEnded.newBuilder()
                .setRunId(config.runId())
                .setExperimentId(config.experimentId())
                .setEventTimeMs(config.clock().millis())
                .setSteps(step)
                .setOutcome(outcome)
                .setFinalLoss(Double.isFinite(lastLoss) ? lastLoss : 0)
                .setMessage(message == null ? "" : message)
                .setHealth(publisher.health())
                .build();
        publisher.send(Topics.RUNS, config.runId(), WireRecords.encode(ended));
    }

    /**
     * Ends the run as completed (unless {@link #endRun} was called), flushes and closes the
     * producer; throws {@link TelemetryException} if any record was not delivered.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        endRun(RunEnded.Outcome.COMPLETED, null);
        publisher.close();
    }
}
