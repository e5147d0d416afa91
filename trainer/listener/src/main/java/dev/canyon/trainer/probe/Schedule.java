package dev.canyon.trainer.probe;

import java.io.Serializable;

/** When something runs, by step number (1-based). Injected wherever a costly signal is scheduled. */
@FunctionalInterface
public interface Schedule extends Serializable {
    /** Whether it runs after step {@code step}. */
    boolean due(long step);

    /** Never. */
    static Schedule never() {
        return step -> false;
    }

    /** At steps n, 2n, 3n, ...; {@code n <= 0} means never. */
    static Schedule every(long n) {
        return n <= 0 ? never() : step -> step % n == 0;
    }

    /** At step 1 and then every n steps (so a short run still gets one). */
    static Schedule firstAndEvery(long n) {
        Schedule every = every(n);
        return step -> step == 1 || every.due(step);
    }
}
