package dev.canyon.trainer.telemetry;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An append-only on-disk FIFO of telemetry records for the times Kafka cannot take them: records
 * are appended at the tail and read back, in order, from the head; when the head reaches the tail
 * the file is truncated. Each entry is {@code [int topicLength][topic][int keyLength][key][int
 * valueLength][value]}. Bounded by {@code maxBytes}: an append that would pass it is refused and
 * the caller counts the record as dropped. Thread-safe (one lock).
 */
final class SpillJournal implements AutoCloseable {
    /** One journaled record. */
    record Entry(String topic, String key, byte[] value) {
        long bytes() {
            return 12L + topic.getBytes(StandardCharsets.UTF_8).length + key.getBytes(StandardCharsets.UTF_8).length
                    + value.length;
        }
    }

    private final Path file;
    private final long maxBytes;
    private final RandomAccessFile raf;
    private long head;
    private long tail;
    private long entries;

    SpillJournal(Path file, long maxBytes) {
        this.file = file;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.raf = new RandomAccessFile(file.toFile(), "rw");
            raf.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open telemetry journal " + file, e);
        }
    }

    Path file() {
        return file;
    }

    synchronized boolean isEmpty() {
        return entries == 0;
    }

    synchronized long size() {
        return entries;
    }

    /** Appends at the tail; false (nothing written) when that would pass the size bound. */
    synchronized boolean append(Entry e) throws IOException {
        if (tail + e.bytes() > maxBytes) {
            return false;
        }
        byte[] topic = e.topic().getBytes(StandardCharsets.UTF_8);
        byte[] key = e.key().getBytes(StandardCharsets.UTF_8);
        raf.seek(tail);
        raf.writeInt(topic.length);
        raf.write(topic);
        raf.writeInt(key.length);
        raf.write(key);
        raf.writeInt(e.value().length);
        raf.write(e.value());
        tail = raf.getFilePointer();
        entries++;
        return true;
    }

    /** The entry at the head without removing it, or null when empty. */
    synchronized Entry peek() throws IOException {
        if (entries == 0) {
            return null;
        }
        raf.seek(head);
        byte[] topic = new byte[raf.readInt()];
        raf.readFully(topic);
        byte[] key = new byte[raf.readInt()];
        raf.readFully(key);
        byte[] value = new byte[raf.readInt()];
        raf.readFully(value);
        return new Entry(new String(topic, StandardCharsets.UTF_8), new String(key, StandardCharsets.UTF_8), value);
    }

    /** Removes the head entry (which {@link #peek} returned). */
    synchronized void pop(Entry e) throws IOException {
        head += e.bytes();
        entries--;
        if (entries == 0) {
            head = 0;
            tail = 0;
            raf.setLength(0);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        raf.close();
        if (entries == 0) {
            Files.deleteIfExists(file);
        }
    }
}
