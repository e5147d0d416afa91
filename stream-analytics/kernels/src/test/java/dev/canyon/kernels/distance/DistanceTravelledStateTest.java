package dev.canyon.kernels.distance;

import static dev.canyon.kernels.StateChecks.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canyon.kernels.StateChecks;
import dev.canyon.kernels.StateFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted state: a restored accumulator continues exactly as the original would have. */
class DistanceTravelledStateTest {

    static float[] delta(Random r, int d) {
        float[] x = new float[d];
        for (int i = 0; i < d; i++) {
            x[i] = (float) (1e-2 * r.nextGaussian() + 1e-3);
        }
        return x;
    }

    static void assertSameResults(DistanceTravelled restored, DistanceTravelled original) {
        assertThat(restored.steps()).isEqualTo(original.steps());
        assertThat(restored.isEmpty()).isEqualTo(original.isEmpty());
        assertSameBits(restored.pathLength(), original.pathLength(), "path length");
        assertSameBits(restored.lastStepLength(), original.lastStepLength(), "last step length");
        assertSameBits(restored.displacement(), original.displacement(), "displacement");
        assertSameBits(restored.straightness(), original.straightness(), "straightness");
        assertThat(restored).isEqualTo(original);
    }

    @Test
    void restoredCopyContinuesBitForBit() throws IOException {
        for (long seed = 1; seed <= 5; seed++) {
            Random r = new Random(seed);
            int d = 1 + r.nextInt(500);
            DistanceTravelled original = new DistanceTravelled();
            for (int t = 0; t < 50 + r.nextInt(100); t++) {
                original.update(delta(r, d));
            }
            DistanceTravelled restored = DistanceTravelled.heapify(original.toByteArray());
            assertSameResults(restored, original);
            for (int t = 0; t < 100; t++) {
                float[] x = delta(r, d);
                original.update(x);
                restored.update(x);
                assertSameResults(restored, original);
            }
            assertThat(restored.toByteArray()).isEqualTo(original.toByteArray());
        }
    }

    /** writeTo/readFrom compose: two states one after the other in one stream read back in order. */
    @Test
    void statesComposeInOneStream() throws IOException {
        DistanceTravelled a = new DistanceTravelled();
        a.update(new float[] {3, 4});
        DistanceTravelled b = new DistanceTravelled();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        a.writeTo(out);
        b.writeTo(out);
        out.writeInt(42);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
        assertSameResults(DistanceTravelled.readFrom(in), a);
        assertSameResults(DistanceTravelled.readFrom(in), b);
        assertThat(in.readInt()).isEqualTo(42);
    }

    @Test
    void emptyRoundTrips() throws StateFormatException {
        DistanceTravelled restored = DistanceTravelled.heapify(new DistanceTravelled().toByteArray());
        assertThat(restored.isEmpty()).isTrue();
        assertThat(restored.sumView()).isNull();
        assertThat(restored.straightness()).isEqualTo(1.0);
        restored.update(new float[] {1, 0});
        assertThat(restored.displacement()).isEqualTo(1.0);
    }

    @Test
    void badStatesAreFormatErrors() {
        DistanceTravelled acc = new DistanceTravelled();
        Random r = new Random(3);
        for (int t = 0; t < 5; t++) {
            acc.update(delta(r, 6));
        }
        StateChecks.assertFormatChecks("DistanceTravelled", acc.toByteArray(), DistanceTravelled::heapify);
        StateChecks.assertFormatChecks("DistanceTravelled", new DistanceTravelled().toByteArray(), DistanceTravelled::heapify);
    }

    /** The deterministic accumulator of the golden fixture. */
    static DistanceTravelled goldenConstruction() {
        Random r = new Random(20260101);
        DistanceTravelled acc = new DistanceTravelled();
        for (int t = 0; t < 40; t++) {
            acc.update(delta(r, 12));
        }
        return acc;
    }

    /** The v1 fixture stays readable, and reads to the accumulator it was written from. */
    @Test
    void goldenV1FixtureReads() throws StateFormatException {
        DistanceTravelled expected = goldenConstruction();
        byte[] fixture = StateChecks.golden("distance-travelled.bin", expected.toByteArray());
        DistanceTravelled restored = DistanceTravelled.heapify(fixture);
        assertThat(restored.steps()).isEqualTo(40);
        assertThat(restored.sumView()).hasSize(12);
        assertThat(restored.pathLength()).isGreaterThanOrEqualTo(restored.displacement());
        assertSameResults(restored, expected);
        float[] x = delta(new Random(1), 12);
        restored.update(x);
        expected.update(x);
        assertSameResults(restored, expected);
    }

    /** While the format is version 1, today's writer writes the fixture byte for byte (else: bump SERIAL_VERSION). */
    @Test
    void writerStillWritesVersion1() {
        assertThat(DistanceTravelled.SERIAL_VERSION).isEqualTo(1);
        assertThat(goldenConstruction().toByteArray()).isEqualTo(StateChecks.golden("distance-travelled.bin",
                goldenConstruction().toByteArray()));
    }
}
