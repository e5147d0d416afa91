package dev.canyon.analytics.run;

import dev.canyon.contract.proto.OptimizerConfig;
import dev.canyon.contract.proto.RunStarted;
import dev.canyon.kernels.stability.OptimizerSpec;

/**
 * The wire's {@link OptimizerConfig} and the kernels' {@link OptimizerSpec}, both ways. It lives here
 * because the contract and the kernels do not see each other. Stateless.
 */
public final class Optimizers {
    private Optimizers() {}

    /**
     * The optimizer a run-started record announces: {@link OptimizerSpec#unknown()} when it carries no
     * configuration (a trainer that predates the field, or one that does not send it).
     */
    public static OptimizerSpec fromRunStarted(RunStarted r) {
        return r != null && r.hasOptimizerConfig() ? fromWire(r.getOptimizerConfig()) : OptimizerSpec.unknown();
    }

    /**
     * The kernels' form of {@code c}. KIND_UNSPECIFIED (or null) is UNKNOWN; a kind this reader does not
     * know (a newer writer's) is OTHER, named so that its absent ratio says why.
     */
    public static OptimizerSpec fromWire(OptimizerConfig c) {
        if (c == null) {
            return OptimizerSpec.unknown();
        }
        OptimizerSpec.Kind kind = switch (c.getKind()) {
            case SGD -> OptimizerSpec.Kind.SGD;
            case MOMENTUM -> OptimizerSpec.Kind.MOMENTUM;
            case NESTEROV -> OptimizerSpec.Kind.NESTEROV;
            case ADAM -> OptimizerSpec.Kind.ADAM;
            case OTHER -> OptimizerSpec.Kind.OTHER;
            case KIND_UNSPECIFIED -> OptimizerSpec.Kind.UNKNOWN;
            case UNRECOGNIZED -> null;
        };
        if (kind == null) {
            String name = c.getName().isBlank() ? "an optimizer" : c.getName();
            return OptimizerSpec.other(name + " (optimizer kind " + c.getKindValue() + ", unknown to this reader)");
        }
        return new OptimizerSpec(kind, c.getName(), c.getMomentum(), c.getBeta1(), c.getBeta2(), c.getEpsilon());
    }

    /** The wire form of {@code spec} (UNKNOWN becomes KIND_UNSPECIFIED). */
    public static OptimizerConfig toWire(OptimizerSpec spec) {
        OptimizerConfig.Kind kind = switch (spec.kind()) {
            case SGD -> OptimizerConfig.Kind.SGD;
            case MOMENTUM -> OptimizerConfig.Kind.MOMENTUM;
            case NESTEROV -> OptimizerConfig.Kind.NESTEROV;
            case ADAM -> OptimizerConfig.Kind.ADAM;
            case OTHER -> OptimizerConfig.Kind.OTHER;
            case UNKNOWN -> OptimizerConfig.Kind.KIND_UNSPECIFIED;
        };
        return OptimizerConfig.newBuilder().setKind(kind).setName(spec.name()).setMomentum(spec.momentum())
                .setBeta1(spec.beta1()).setBeta2(spec.beta2()).setEpsilon(spec.epsilon()).build();
    }
}
