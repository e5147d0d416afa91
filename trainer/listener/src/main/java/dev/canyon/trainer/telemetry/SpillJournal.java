package dev.canyon.trainer.telemetry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's on-disk FIFO of telemetry records Kafka has not acknowledged: records are appended at
 * the tail, read (handed to a producer) from a read position, and forgotten from the head once
 * Kafka acknowledged them; when everything is acknowledged the file is cut back to its header. The
 * file outlives the process: a journal left behind (closed with records in it, or by a process that
 * died) is opened again by {@link #open}, which re-reads it from its head, and re-sent. Not
 * thread-safe: the owner serializes calls.
 *
 * <p>Format, version {@value #VERSION} (big-endian):
 * <pre>
 * header:  int magic 'CNYJ' | int version | long head | int n | n bytes: long createdMs, run id, bootstrap servers
 *          (each string: int length + UTF-8) | int CRC32C of those n bytes
 * record:  int length L | int CRC32C of the payload | payload of L bytes: topic, key (each: int length + UTF-8), value
 * </pre>
 * {@code head} is the offset of the first record not yet acknowledged (updated in place, without a
 * sync: after a crash of the machine it may lag, and records are then re-sent twice, never lost).
 * The length and checksum of every record make a torn tail (a process killed mid-write) or damage
 * detectable: {@link #open} keeps the records before the first bad one and moves the rest to
 * {@code <file>.corrupt}, logging what it did. A file with another magic or version is refused
 * with a message naming what was found and the version this Canyon reads.
 *
 * <p>Locking: a journal is open in one process at a time ({@link FileLock} on the file, plus
 * {@link JournalFolder#claim} within this JVM); {@link #open} of a journal another live process
 * holds fails with {@link InUseException}.
 */
final class SpillJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpillJournal.class);

    /** {@code 'CNYJ'}. */
    static final int MAGIC = 0x434E594A;
    /** The format version this code writes and the only one it reads. */
    static final int VERSION = 1;
    /** File name suffix of journals. */
    static final String SUFFIX = ".journal";
    /** Suffix of the file that keeps a journal's unreadable tail. */
    static final String CORRUPT = ".corrupt";

    private static final int HEAD_AT = 8;
    private static final int FIXED = 20;
    private static final int MAX_HEADER = 1 << 16;

    /** One journaled record. */
    record Entry(String topic, String key, byte[] value) {
        /** Bytes it takes in the journal, framing included. */
        long framedBytes() {
            return 8L + payloadBytes();
        }

        int payloadBytes() {
            return 8 + utf8(topic).length + utf8(key).length + value.length;
        }
    }

    /** What a journal says about itself. */
    record Header(int version, long createdMs, String runId, String bootstrapServers) {}

    /** An entry read from the journal, and the offset just past it. */
    record Read(Entry entry, long end) {}

    /** The journal is open in another live process, or elsewhere in this JVM. */
    static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(String message) {
            super(message);
        }
    }

    /** The file is not a journal this code reads (another magic or version, or a damaged header). */
    static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Header header;
    private final long recordsStart;
    private final long maxBytes;
    private long head;
    private long read;
    private long tail;
    private long unread;
    private final ArrayDeque<Long> outstanding = new ArrayDeque<>();
    private final Set<Long> settled = new HashSet<>();
    private long corruptBytes;
    private Path corruptFile;
    private boolean closed;

    private SpillJournal(Path file, FileChannel channel, FileLock lock, Header header, long recordsStart, long maxBytes) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.header = header;
        this.recordsStart = recordsStart;
        this.maxBytes = maxBytes;
        this.head = recordsStart;
        this.read = recordsStart;
        this.tail = recordsStart;
    }

    /**
     * Creates a new journal {@code file} (0600; the folder must exist) for {@code runId}'s records
     * bound for {@code bootstrapServers}, locked; holds at most {@code maxBytes} of records.
     * FileAlreadyExistsException when it exists.
     */
    static SpillJournal create(Path file, String runId, String bootstrapServers, long maxBytes) throws IOException {
        if (!JournalFolder.claim(file)) {
            throw new InUseException("telemetry journal " + file + " is open in this JVM");
        }
        FileChannel channel = null;
        try {
            channel = JournalFolder.createPrivate(file);
            FileLock lock = lockNew(channel, file);
            Header header = new Header(VERSION, System.currentTimeMillis(), runId, bootstrapServers == null ? "" : bootstrapServers);
            ByteBuffer h = header(header, 0);
            long recordsStart = h.remaining();
            h = header(header, recordsStart);
            writeFully(channel, h, 0);
            channel.force(true);
            JournalFolder.syncFolder(file.toAbsolutePath().getParent());
            return new SpillJournal(file, channel, lock, header, recordsStart, maxBytes);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
                Files.deleteIfExists(file);
            }
            JournalFolder.release(file);
            throw e;
        }
    }

    /** A lock on a file just created: a scanner in another process may hold it for a moment. */
    private static FileLock lockNew(FileChannel channel, Path file) throws IOException {
        for (int i = 0; i < 100; i++) {
            FileLock l = channel.tryLock();
            if (l != null) {
                return l;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new InUseException("cannot lock the new telemetry journal " + file);
    }

    /**
     * Opens a journal left by an earlier process, locked: reads its header, checks every record
     * from the start, re-reads from its head, and moves an unreadable tail to {@code <file>.corrupt}.
     * Records appended later go after its own.
     */
    static SpillJournal open(Path file, long maxBytes) throws IOException {
        if (!JournalFolder.claim(file)) {
            throw new InUseException("telemetry journal " + file + " is open in this JVM");
        }
        FileChannel channel = null;
        try {
            channel = JournalFolder.openExisting(file);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new InUseException("telemetry journal " + file + " is in use by another running process");
            }
            long[] start = new long[1];
            Header header = readHeader(channel, file, start);
            SpillJournal j = new SpillJournal(file, channel, lock, header, start[0], maxBytes);
            j.recover();
            return j;
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            JournalFolder.release(file);
            throw e;
        }
    }

    /** What {@link #inspect} finds in a journal without taking or changing it. */
    record Summary(Path file, Header header, long records, long bytes, long corruptBytes, String problem) {}

    /**
     * Reads {@code file}'s header and counts its records from the head, without locking or
     * changing it; {@code problem} says why it cannot be re-sent now (open elsewhere, another format).
     */
    static Summary inspect(Path file) {
        if (JournalFolder.claimed(file)) {
            return new Summary(file, null, 0, 0, 0, "open in this process");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            long[] start = new long[1];
            Header header = readHeader(channel, file, start);
            long storedHead = readLong(channel, HEAD_AT);
            Scan s = scan(channel, start[0], storedHead);
            String problem = null;
            try {
                FileLock l = channel.tryLock(0, Long.MAX_VALUE, true);
                if (l == null) {
                    problem = "in use by another running process";
                } else {
                    l.release();
                }
            } catch (OverlappingFileLockException e) {
                problem = "open in this process";
            }
            return new Summary(file, header, s.unread, s.end - s.head, channel.size() - s.end, problem);
        } catch (NoSuchFileException e) {
            return new Summary(file, null, 0, 0, 0, "gone (re-sent meanwhile)");
        } catch (IOException e) {
            return new Summary(file, null, 0, 0, 0, e.getMessage());
        }
    }

    /** Reads only {@code file}'s header. */
    static Header header(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return readHeader(channel, file, new long[1]);
        }
    }

    /** The file name of run {@code runId}'s {@code n}-th journal (1 for the first): the id, made safe for a file name. */
    static String fileName(String runId, int n) {
        StringBuilder b = new StringBuilder(runId.length());
        for (int i = 0; i < runId.length(); i++) {
            char c = runId.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || (c == '.' && i > 0) ? c : '_');
        }
        String safe = b.toString();
        if (!safe.equals(runId) || safe.length() > 120) {
            CRC32C crc = new CRC32C();
            crc.update(utf8(runId));
            safe = safe.substring(0, Math.min(safe.length(), 120)) + "-" + String.format("%08x", crc.getValue());
        }
        return safe + (n <= 1 ? "" : "." + n) + SUFFIX;
    }

    Path file() {
        return file;
    }

    Header header() {
        return header;
    }

    /** Whether records wait to be read. */
    boolean hasUnread() {
        return unread > 0;
    }

    /** Records not yet read. */
    long unread() {
        return unread;
    }

    /** Bytes of the unreadable tail {@link #open} moved aside (0 when none). */
    long corruptBytes() {
        return corruptBytes;
    }

    /** Where {@link #open} moved an unreadable tail, or null. */
    Path corruptFile() {
        return corruptFile;
    }

    /** Appends at the tail; false (nothing written) when that would pass the size bound. */
    boolean append(Entry e) throws IOException {
        long size = e.framedBytes();
        if (tail - recordsStart + size > maxBytes) {
            return false;
        }
        writeFully(channel, frame(e), tail);
        tail += size;
        unread++;
        return true;
    }

    /** The next unread entry without taking it, or null when none. */
    Read peek() throws IOException {
        if (unread == 0) {
            return null;
        }
        ByteBuffer lc = ByteBuffer.allocate(8);
        readFully(channel, lc, read);
        int length = lc.getInt(0);
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(channel, payload, read + 8);
        return new Read(parse(payload.array()), read + 8 + length);
    }

    /** Takes {@code r} (the entry {@link #peek} returned): it is now outstanding until {@link #settled}. */
    void advance(Read r) {
        read = r.end();
        unread--;
        outstanding.add(r.end());
    }

    /** Undoes {@link #advance} of {@code r}, the last entry taken (the producer did not accept it): it is unread again. */
    void retreat(Read r) {
        if (outstanding.isEmpty() || outstanding.peekLast().longValue() != r.end()) {
            throw new IllegalStateException("only the last entry taken can be given back");
        }
        outstanding.pollLast();
        read = r.end() - r.entry().framedBytes();
        unread++;
    }

    /**
     * The outstanding entry ending at {@code end} is acknowledged (or will never be sent): the head
     * moves past every settled entry at the front, and the file is cut back to its header when all
     * are settled and none is unread.
     */
    void settled(long end) throws IOException {
        settled.add(end);
        boolean moved = false;
        while (!outstanding.isEmpty() && settled.remove(outstanding.peekFirst())) {
            head = outstanding.pollFirst();
            moved = true;
        }
        if (!moved) {
            return;
        }
        if (head == tail && unread == 0) {
            channel.truncate(recordsStart);
            head = recordsStart;
            read = recordsStart;
            tail = recordsStart;
        }
        writeHead();
    }

    /**
     * Closes the journal so that it holds {@code prefix} (records handed out but never acknowledged,
     * and any others that must go first, in order) followed by every unread record: written to a new
     * file that replaces this one atomically when {@code prefix} is not empty. The file is forced to
     * disk; a journal left empty is deleted. Without a prefix, entries taken and not acknowledged
     * stay in the journal. Returns the records it holds.
     */
    long close(List<Entry> prefix) throws IOException {
        if (closed) {
            return 0;
        }
        closed = true;
        if (prefix.isEmpty() && !outstanding.isEmpty()) {
            // Nothing handed back: what was taken and not acknowledged is unread again.
            unread += outstanding.size();
            read = head;
            outstanding.clear();
            settled.clear();
        }
        long left = prefix.size() + unread;
        try {
            if (left == 0) {
                // Cut to nothing first: a scanner that opened the old name just before the delete then finds no header.
                channel.truncate(0);
                release();
                Files.deleteIfExists(file);
                JournalFolder.syncFolder(file.toAbsolutePath().getParent());
                return 0;
            }
            if (prefix.isEmpty()) {
                head = read;
                writeHead();
                channel.force(true);
                release();
                return left;
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try (FileChannel out = JournalFolder.createPrivate(tmp)) {
                long pos = writeFully(out, header(header, recordsStart), 0);
                for (Entry e : prefix) {
                    pos += writeFully(out, frame(e), pos);
                }
                long from = read;
                while (from < tail) {
                    long n = channel.transferTo(from, tail - from, out.position(pos));
                    from += n;
                    pos += n;
                }
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            JournalFolder.syncFolder(file.toAbsolutePath().getParent());
            release();
            return left;
        } finally {
            if (channel.isOpen()) {
                release();
            }
        }
    }

    @Override
    public void close() throws IOException {
        close(List.of());
    }

    private void release() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } finally {
            JournalFolder.release(file);
        }
    }

    private void writeHead() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).putLong(0, head);
        writeFully(channel, b, HEAD_AT);
    }

    private record Scan(long head, long end, long unread, boolean headValid) {}

    /** Checks every record from {@code recordsStart}; where the good ones end, how many follow {@code storedHead}. */
    private static Scan scan(FileChannel channel, long recordsStart, long storedHead) throws IOException {
        long size = channel.size();
        long pos = recordsStart;
        long all = 0;
        long afterHead = 0;
        boolean headValid = storedHead == recordsStart;
        ByteBuffer lc = ByteBuffer.allocate(8);
        CRC32C crc = new CRC32C();
        while (size - pos >= 8) {
            lc.clear();
            readFully(channel, lc, pos);
            int length = lc.getInt(0);
            if (length < 8 || length > size - pos - 8) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(channel, payload, pos + 8);
            crc.reset();
            crc.update(payload.array());
            if ((int) crc.getValue() != lc.getInt(4) || !wellFormed(payload.array())) {
                break;
            }
            if (pos >= storedHead) {
                afterHead++;
            }
            all++;
            pos += 8 + length;
            if (pos == storedHead) {
                headValid = true;
            }
        }
        if (!headValid) {
            return new Scan(recordsStart, pos, all, false);
        }
        return new Scan(storedHead, pos, afterHead, true);
    }

    private void recover() throws IOException {
        long storedHead = readLong(channel, HEAD_AT);
        Scan s = scan(channel, recordsStart, storedHead);
        if (!s.headValid) {
            LOG.warn("Telemetry journal {}: its head ({}) is not at a record; re-reading it from the start (records "
                    + "acknowledged before may be sent twice)", file, storedHead);
        }
        long size = channel.size();
        if (s.end < size) {
            corruptBytes = size - s.end;
            corruptFile = file.resolveSibling(file.getFileName() + CORRUPT);
            if (Files.exists(corruptFile, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                corruptFile = file.resolveSibling(file.getFileName() + "." + System.currentTimeMillis() + CORRUPT);
            }
            try (FileChannel out = JournalFolder.createPrivate(corruptFile)) {
                long from = s.end;
                long pos = 0;
                while (from < size) {
                    long n = channel.transferTo(from, size - from, out.position(pos));
                    from += n;
                    pos += n;
                }
                out.force(true);
            }
            channel.truncate(s.end);
            channel.force(true);
            LOG.error("Telemetry journal {}: the {} bytes from offset {} are not a complete record (a process killed while "
                    + "writing, or damage); the {} records before them are kept and re-sent, the rest is kept in {}", file,
                    corruptBytes, s.end, s.unread, corruptFile);
        }
        head = s.head;
        read = s.head;
        tail = s.end;
        unread = s.unread;
        if (!s.headValid) {
            writeHead();
        }
    }

    private static Header readHeader(FileChannel channel, Path file, long[] recordsStart) throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw new FormatException("telemetry journal " + file + " has no complete header (" + size
                    + " bytes; a process killed while creating it?)");
        }
        ByteBuffer fixed = ByteBuffer.allocate(FIXED);
        fixed.limit((int) Math.min(FIXED, size));
        readFully(channel, fixed, 0);
        if (fixed.getInt(0) != MAGIC) {
            throw new FormatException(file + " is not a Canyon telemetry journal (no 'CNYJ' header)");
        }
        int version = fixed.getInt(4);
        if (version != VERSION) {
            throw new FormatException("telemetry journal " + file + " has format version " + version
                    + "; this Canyon reads version " + VERSION + " (written by another Canyon version? re-send it with that one)");
        }
        if (size < FIXED) {
            throw new FormatException("telemetry journal " + file + " has no complete header (" + size + " bytes)");
        }
        int n = fixed.getInt(16);
        if (n < 16 || n > MAX_HEADER || size < FIXED + n + 4L) {
            throw new FormatException("telemetry journal " + file + " has a damaged header (length " + n + ")");
        }
        ByteBuffer rest = ByteBuffer.allocate(n + 4);
        readFully(channel, rest, FIXED);
        CRC32C crc = new CRC32C();
        crc.update(rest.array(), 0, n);
        if ((int) crc.getValue() != rest.getInt(n)) {
            throw new FormatException("telemetry journal " + file + " has a damaged header (checksum)");
        }
        try {
            rest.limit(n);
            long created = rest.getLong();
            String run = string(rest);
            String bootstrap = string(rest);
            recordsStart[0] = FIXED + n + 4L;
            return new Header(version, created, run, bootstrap);
        } catch (RuntimeException e) {
            throw new FormatException("telemetry journal " + file + " has a damaged header (" + e + ")");
        }
    }

    private static ByteBuffer header(Header h, long head) {
        byte[] run = utf8(h.runId());
        byte[] bootstrap = utf8(h.bootstrapServers());
        int n = 8 + 4 + run.length + 4 + bootstrap.length;
        ByteBuffer b = ByteBuffer.allocate(FIXED + n + 4);
        b.putInt(MAGIC).putInt(h.version()).putLong(head).putInt(n);
        b.putLong(h.createdMs()).putInt(run.length).put(run).putInt(bootstrap.length).put(bootstrap);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), FIXED, n);
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    private static ByteBuffer frame(Entry e) {
        byte[] topic = utf8(e.topic());
        byte[] key = utf8(e.key());
        int length = 8 + topic.length + key.length + e.value().length;
        ByteBuffer b = ByteBuffer.allocate(8 + length);
        b.putInt(length).putInt(0).putInt(topic.length).put(topic).putInt(key.length).put(key).put(e.value());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 8, length);
        b.putInt(4, (int) crc.getValue());
        return b.flip();
    }

    private static boolean wellFormed(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        int t = b.getInt();
        if (t < 0 || t > b.remaining() - 4) {
            return false;
        }
        b.position(b.position() + t);
        int k = b.getInt();
        return k >= 0 && k <= b.remaining();
    }

    private static Entry parse(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        String topic = string(b);
        String key = string(b);
        byte[] value = new byte[b.remaining()];
        b.get(value);
        return new Entry(topic, key, value);
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("string of " + n + " bytes in " + b.remaining());
        }
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long readLong(FileChannel channel, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8);
        readFully(channel, b, pos);
        return b.getLong(0);
    }

    private static void readFully(FileChannel channel, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new java.io.EOFException("unexpected end of telemetry journal at offset " + pos);
            }
            pos += n;
        }
        b.flip();
    }

    private static long writeFully(FileChannel channel, ByteBuffer b, long pos) throws IOException {
        long written = 0;
        while (b.hasRemaining()) {
            int n = channel.write(b, pos + written);
            written += n;
        }
        return written;
    }
}
