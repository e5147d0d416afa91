package dev.canyon.trainer.telemetry;

import dev.canyon.contract.VectorRepresentation;
import dev.canyon.contract.Vectors;
import dev.canyon.contract.WireRecords;
import dev.canyon.contract.proto.Encoding;
import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.Probe;
import dev.canyon.contract.proto.RunEnded;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.contract.proto.Snapshot;
import dev.canyon.contract.proto.Step;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.contract.proto.TelemetryHealth;
import dev.canyon.contract.proto.TensorScalars;
import dev.canyon.contract.proto.TensorVector;
import dev.canyon.kernels.sketch.CountSketch;
import dev.canyon.trainer.probe.Prober;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire records of one run, framed for the sink: run-started, step, probe, snapshot and
 * run-ended, with the run's ids and its vector representation (full float32, bfloat16, or the
 * experiment-seeded CountSketch). Pure assembly: no DL4J, no I/O, no clock (event times come in).
 * Thread-safe (immutable).
 */
final class RunRecords {
    private final TelemetryConfig config;
    private final RunDescription description;

    RunRecords(TelemetryConfig config, RunDescription description) {
        this.config = config;
        this.description = description;
    }

    /** Whether the run ships sketches (and so needs the CountSketch in its fused pass). */
    boolean sketched() {
        return config.vectors().encoding() == Encoding.SKETCH_FLOAT32;
    }

    /**
     * The run-started record: the run's description and settings, θ_0 in the run's representation, and
     * the optimizer (not set when {@code optimizer} is null or KIND_UNSPECIFIED).
     */
    byte[] runStarted(long eventTimeMs, float[] theta0, OptimizerConfig optimizer) {
        RunStarted.Builder b = RunStarted.newBuilder();
        if (optimizer != null && optimizer.getKind() != OptimizerConfig.Kind.KIND_UNSPECIFIED) {
            b.setOptimizerConfig(optimizer);
        }
        return WireRecords.encode(b
                .setRunId(config.runId())
                .setExperimentId(config.experimentId())
                .setEventTimeMs(eventTimeMs)
                .setParameterCount(theta0.length)
                .setModel(description.model())
                .setOptimizer(description.optimizer())
                .setDataset(description.dataset())
                .setBatchSize(description.batchSize())
                .setLearningRate(description.learningRate())
                .setSeed(description.seed())
                .setVectorEncoding(config.vectors().encoding())
                .setSketchSize(config.vectors().sketchSize())
                .setSketchSeed(sketched() ? config.sketchSeed() : 0)
                .setInitialParameters(initialParameters(theta0))
                .putAllLabels(description.labels())
                .build());
    }

    /**
     * The step record of frame {@code f}, whose g is already the mean gradient.
     *
     * @param delta Δθ_t
     * @param sketchG the sketch of g_t (sketch runs; else unused)
     * @param sketchDelta the sketch of Δθ_t (sketch runs; else unused)
     * @param sketchSeed the seed of the run's CountSketch (sketch runs)
     */
    byte[] step(StepFrame f, long examplesSeen, StepScalarsCalculator.Result scalars, Dl4jNetwork.TensorLayout layout,
            float[] delta, float[] sketchG, float[] sketchDelta, long sketchSeed, TelemetryHealth health) {
        return step(f, examplesSeen, scalars, layout, delta, sketchG, sketchDelta, sketchSeed, health, null, null);
    }

    /**
     * The same, with the step's scheduled diagnostics: {@code histograms} just computed (null: none at
     * this step) and a JVM sample (null: none).
     */
    byte[] step(StepFrame f, long examplesSeen, StepScalarsCalculator.Result scalars, Dl4jNetwork.TensorLayout layout,
            float[] delta, float[] sketchG, float[] sketchDelta, long sketchSeed, TelemetryHealth health,
            LayerHistograms histograms, dev.canyon.contract.proto.TrainerJvm jvm) {
        int d = f.g.length;
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
                .setGradient(vector(f.g, sketchG, d, sketchSeed))
                .setDelta(vector(delta, sketchDelta, d, sketchSeed))
                .setHealth(health);
        int offset = 0;
        for (int t = 0; t < layout.count(); t++) {
            int end = layout.ends()[t];
            record.addTensors(TensorScalars.newBuilder().setName(layout.names()[t]).setOffset(offset)
                    .setSize(end - offset).setScalars(scalars(scalars.tensors[t])));
            offset = end;
        }
        if (histograms != null) {
            record.addAllHistograms(histograms.messages());
        }
        if (jvm != null) {
            record.setJvm(jvm);
        }
        return WireRecords.encode(record.build());
    }

    /**
     * One probe record per probe that ran after step {@code step}, in the order curvature, Hessian,
     * linear path, same-point gradients.
     */
    List<byte[]> probes(long step, long eventTimeMs, Prober.Results r) {
        Probe.Builder base = Probe.newBuilder().setRunId(config.runId()).setExperimentId(config.experimentId())
                .setStep(step).setEventTimeMs(eventTimeMs);
        List<byte[]> out = new ArrayList<>(3);
        if (r.curvature() != null) {
            out.add(WireRecords.encode(base.clone().setCurvature(r.curvature()).build()));
        }
        if (r.hessian() != null) {
            out.add(WireRecords.encode(base.clone().setHessian(r.hessian()).build()));
        }
        if (r.linearPath() != null) {
            out.add(WireRecords.encode(base.clone().setLinearPath(r.linearPath()).build()));
        }
        if (r.gradientNoise() != null) {
            out.add(WireRecords.encode(base.clone().setGradientNoise(r.gradientNoise()).build()));
        }
        return out;
    }

    /** A full weight snapshot θ_t ({@code step} 0 for θ_0). */
    byte[] snapshot(long step, float[] params, long eventTimeMs) {
        return WireRecords.encode(Snapshot.newBuilder().setRunId(config.runId()).setExperimentId(config.experimentId())
                .setStep(step).setEventTimeMs(eventTimeMs).setParameters(Vectors.full(params)).build());
    }

    /** The run-ended record. */
    byte[] runEnded(long eventTimeMs, long steps, RunEnded.Outcome outcome, double lastLoss, String message,
            TelemetryHealth health) {
        return WireRecords.encode(RunEnded.newBuilder()
                .setRunId(config.runId())
                .setExperimentId(config.experimentId())
                .setEventTimeMs(eventTimeMs)
                .setSteps(steps)
                .setOutcome(outcome)
                .setFinalLoss(Double.isFinite(lastLoss) ? lastLoss : 0)
                .setMessage(message == null ? "" : message)
                .setHealth(health)
                .build());
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

    /** θ_0 in the run's representation (sketched with the run's own sketch, so comparable with its deltas). */
    private TensorVector initialParameters(float[] theta) {
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
    private TensorVector vector(float[] v, float[] sketched, int d, long sketchSeed) {
        VectorRepresentation rep = config.vectors();
        return switch (rep.encoding()) {
            case FLOAT32 -> Vectors.full(v);
            case BFLOAT16 -> Vectors.half(v);
            default -> Vectors.sketch(sketched, d, sketchSeed);
        };
    }
}
