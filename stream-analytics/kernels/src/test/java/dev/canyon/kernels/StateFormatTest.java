package dev.canyon.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateFormatTest {

    @Test
    void kernelCodesAreUnique() {
        List<Integer> codes = List.of(StateFormat.DISTANCE_TRAVELLED, StateFormat.STALL_DETECTOR, StateFormat.OBSTACLE_INDICATORS,
                StateFormat.TRAJECTORY_PCA, StateFormat.RANDOM_WALK_CONTROL, StateFormat.CROSS_RUN_DISTANCES);
        assertThat(codes).doesNotHaveDuplicates().allSatisfy(c -> assertThat(c).isBetween(1, 255));
    }

    @Test
    void unknownVersionNamesWhatIsReadable() {
        assertThat(StateFormatException.unknownVersion("TrajectoryPca", 7, 1))
                .hasMessage("TrajectoryPca state of format version 7; this Canyon reads version 1");
        assertThat(StateFormatException.unknownVersion("TrajectoryPca", 7, 1, 2))
                .hasMessage("TrajectoryPca state of format version 7; this Canyon reads versions 1 and 2");
        assertThat(StateFormatException.unknownVersion("TrajectoryPca", 9, 1, 2, 3))
                .hasMessage("TrajectoryPca state of format version 9; this Canyon reads versions 1, 2 and 3");
    }

    /** The version byte is unsigned: 200 is version 200, not −56. */
    @Test
    void versionsAreUnsigned() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[] {(byte) 200, 1}));
        assertThatThrownBy(() -> StateFormat.readHeader(in, "DistanceTravelled", StateFormat.DISTANCE_TRAVELLED, 1))
                .isInstanceOf(StateFormatException.class).hasMessageContaining("format version 200;");
    }

    @Test
    void anotherKernelsStateIsNamed() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[] {1, (byte) StateFormat.TRAJECTORY_PCA}));
        assertThatThrownBy(() -> StateFormat.readHeader(in, "DistanceTravelled", StateFormat.DISTANCE_TRAVELLED, 1))
                .isInstanceOf(StateFormatException.class)
                .hasMessage("expected a DistanceTravelled state (kernel code 1), found a TrajectoryPca state");
    }

    /** A corrupt length allocates as values arrive, not up front: two billion doubles claimed, eight bytes present. */
    @Test
    void arraysGrowWithTheirData() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(new byte[8]));
        assertThatThrownBy(() -> StateFormat.readDoubles(in, Integer.MAX_VALUE - 8)).isInstanceOf(java.io.EOFException.class);
    }

    /** Other I/O failures of the input are not format errors: they pass through as they are. */
    @Test
    void otherIoFailuresPassThrough() {
        java.io.DataInput failing = new DataInputStream(new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk gone");
            }
        });
        assertThatThrownBy(() -> dev.canyon.kernels.distance.DistanceTravelled.readFrom(failing))
                .isNotInstanceOf(StateFormatException.class).hasMessage("disk gone");
    }
}
