package dev.canyon.trainer.telemetry;

import dev.canyon.contract.proto.OptimizerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The optimizer of a DL4J network (1.0.0-M2.1) for its run-started record: the updater
 * configuration ({@link IUpdater}) of every trainable parameter, read through each layer's {@code
 * getUpdaterByParam} (so a separate bias updater counts). Layers without parameters (their updater
 * is {@code NoOp}) are ignored. One updater for all parameters: {@link Sgd} is SGD, {@link Nesterovs}
 * NESTEROV (its momentum μ), {@link Adam} ADAM (β1, β2, ε); any other is OTHER under its class name.
 * Several (different kinds, or the same kind with different learning rates or settings, or frozen
 * parameters with NoOp beside trained ones) are OTHER "mixed updaters", and so is Nesterovs with a
 * momentum schedule: one number cannot describe them, and the stream's stability threshold assumes
 * one rule for all of θ. Learning-rate schedules are fine: the ratio uses each step's η.
 */
final class Dl4jOptimizer {
    private Dl4jOptimizer() {}

    /** The optimizer of {@code model}; KIND_UNSPECIFIED for a model that is neither network type. */
    static OptimizerConfig of(Model model) {
        Layer[] layers = model instanceof MultiLayerNetwork net ? net.getLayers()
                : model instanceof ComputationGraph graph ? graph.getLayers() : null;
        if (layers == null) {
            return OptimizerConfig.getDefaultInstance();
        }
        Map<IUpdater, List<String>> byUpdater = new LinkedHashMap<>();
        for (int i = 0; i < layers.length; i++) {
            Layer layer = layers[i];
            if (layer.numParams() == 0 || layer.conf() == null || layer.conf().getLayer() == null) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            // As in the parameter table: a MultiLayerNetwork's layers by index, a graph's by name.
            String layerName = model instanceof MultiLayerNetwork || conf.getLayerName() == null ? String.valueOf(i) : conf.getLayerName();
            for (String param : layer.paramTable().keySet()) {
                IUpdater u = conf.getUpdaterByParam(param);
                byUpdater.computeIfAbsent(u, k -> new ArrayList<>()).add(layerName + "_" + param);
            }
        }
        if (byUpdater.isEmpty()) {
            return other("no trainable parameters");
        }
        if (byUpdater.size() > 1) {
            List<String> parts = new ArrayList<>();
            byUpdater.forEach((u, params) -> parts.add(describe(u) + " on " + String.join(", ", params.subList(0, Math.min(3, params.size())))
                    + (params.size() > 3 ? " and " + (params.size() - 3) + " more" : "")));
            return other("mixed updaters (" + String.join("; ", parts) + ")");
        }
        IUpdater u = byUpdater.keySet().iterator().next();
        if (u instanceof Sgd) {
            return OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.SGD).setName("Sgd").build();
        }
        if (u instanceof Nesterovs n) {
            if (n.getMomentumISchedule() != null || (n.getMomentumSchedule() != null && !n.getMomentumSchedule().isEmpty())) {
                return other("Nesterovs with a momentum schedule");
            }
            return OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.NESTEROV).setName("Nesterovs")
                    .setMomentum(n.getMomentum()).build();
        }
        if (u instanceof Adam a) {
            return OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.ADAM).setName("Adam").setBeta1(a.getBeta1())
                    .setBeta2(a.getBeta2()).setEpsilon(a.getEpsilon()).build();
        }
        if (u instanceof NoOp) {
            return other("NoOp (no parameter is trained)");
        }
        return other(u == null ? "no updater" : u.getClass().getSimpleName());
    }

    private static OptimizerConfig other(String name) {
        return OptimizerConfig.newBuilder().setKind(OptimizerConfig.Kind.OTHER).setName(name).build();
    }

    private static String describe(IUpdater u) {
        if (u == null) {
            return "no updater";
        }
        String name = u.getClass().getSimpleName();
        return u.hasLearningRate() ? name + "(lr " + u.getLearningRate(0, 0) + ")" : name;
    }
}
