package dev.canyon.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the real files of Debian's dataset-fashion-mnist package. */
class FashionMnistTest {

    @Test
    void readsTheDebianPackagesFiles() {
        FashionMnist.Split train = FashionMnist.train(Path.of(FashionMnist.DEFAULT_DIR), 1000);
        assertThat(train.n()).isEqualTo(1000);
        assertThat(train.images()).hasSize(1000 * 784);
        float min = 1, max = 0;
        for (float v : train.images()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isEqualTo(0f);
        assertThat(max).isEqualTo(1f);
        int[] counts = new int[10];
        for (byte b : train.labels()) {
            counts[b]++;
        }
        assertThat(java.util.Arrays.stream(counts).min().getAsInt()).isGreaterThan(50);
        // The first training label of Fashion-MNIST is 9 (ankle boot).
        assertThat(train.labels()[0]).isEqualTo((byte) 9);
        assertThat(FashionMnist.test(Path.of(FashionMnist.DEFAULT_DIR), 20_000).n()).isEqualTo(10_000);
    }

    @Test
    void missingFilesNameThePackage(@TempDir Path empty) {
        assertThatThrownBy(() -> FashionMnist.train(empty, 10))
                .hasMessageContaining("dataset-fashion-mnist")
                .hasMessageContaining("train-images-idx3-ubyte")
                .hasMessageContaining(empty.toString())
                .hasMessageContaining("--fashion-mnist-dir")
                .hasMessageNotContaining("--data-dir");
    }
}
