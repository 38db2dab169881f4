using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using static Purelb.Netlink.Interop.NetlinkConstants;

namespace Purelb.Netlink;

/// <summary>
/// One long-lived rtnetlink request socket: stamps sequence numbers and our port id, runs the ACK and multi-part
/// dump loops, checks that replies belong to the request, and turns kernel errors into <see cref="NetlinkException"/>.
/// Buffers are owned and reused, so a request/ACK round trip allocates nothing. Not thread-safe: callers serialise
/// through <see cref="SyncRoot"/> from encoding into <see cref="RequestBuffer"/> until the reply is consumed.
/// </summary>
public sealed class NetlinkConnection : IDisposable
{
    /// <summary>Dump datagrams can approach 32 KiB; 64 KiB leaves room, and MSG_TRUNC is still reported.</summary>
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly NetlinkSocket _socket;
    private readonly byte[] _sendBuffer = new byte[8 * 1024];
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private uint _sequence;
    private bool _disposed;

    private NetlinkConnection(NetlinkSocket socket)
    {
        _socket = socket;
        _sequence = (uint)Random.Shared.Next(1, int.MaxValue);
    }

    /// <summary>Opens a connection in the current network namespace, or inside <paramref name="networkNamespace"/>.</summary>
    public static NetlinkConnection Open(NetworkNamespace? networkNamespace = null, TimeSpan? replyTimeout = null)
    {
        var timeout = replyTimeout ?? TimeSpan.FromSeconds(10);
        var socket = networkNamespace is null
            ? NetlinkSocket.Open(timeout)
            : networkNamespace.Run(() => NetlinkSocket.Open(timeout));
        return new NetlinkConnection(socket);
    }

    public object SyncRoot { get; } = new();

    public uint PortId => _socket.PortId;

    /// <summary>The reusable buffer requests are encoded into. Hold <see cref="SyncRoot"/> until the reply is read.</summary>
    public Span<byte> RequestBuffer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _sendBuffer;
        }
    }

    /// <summary>Sends a request that carries NLM_F_ACK and waits for its ACK. Allocates only on failure.</summary>
    public AckResult ExecuteAck(ref NetlinkMessageWriter request)
    {
        uint seq = NextSequence();
        var errno = _socket.Send(request.Finish(seq, _socket.PortId));
        if (errno != Errno.None) return new AckResult(errno, null, -1, seq);
        var replies = new ReplyEnumerator(this, seq, expectAck: true);
        try
        {
            while (replies.MoveNext())
            {
                // A data message in reply to a plain ACK request is not expected; ignore it and keep reading.
            }
            return new AckResult(Errno.None, null, -1, seq);
        }
        catch (KernelErrorException e)
        {
            return new AckResult(e.Error.Errno, e.Error.ExtAckMessage, e.Error.ExtAckOffset, seq);
        }
    }

    /// <summary>
    /// Sends several requests in one datagram and collects one ACK per request: <paramref name="length"/> bytes of
    /// <see cref="RequestBuffer"/> hold <paramref name="count"/> finished messages back to back, each with NLM_F_ACK.
    /// Sequence numbers and port id are stamped here. The kernel handles every message even after one fails, so
    /// <paramref name="results"/>[i] is message i's own outcome. Allocates only for failures.
    /// </summary>
    public void ExecuteAckBatch(int length, int count, Span<AckResult> results)
    {
        if (count <= 0) return;
        if (results.Length < count) throw new ArgumentException("one result slot per message is needed", nameof(results));
        var batch = _sendBuffer.AsSpan(0, length);
        uint first = 0;
        int offset = 0;
        for (int i = 0; i < count; i++)
        {
            if (batch.Length - offset < NetlinkMessageReader.HeaderSize) throw new ArgumentException("batch holds fewer messages than counted", nameof(count));
            int messageLength = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(batch.Slice(offset));
            if (messageLength < NetlinkMessageReader.HeaderSize || messageLength > batch.Length - offset || (messageLength & 3) != 0)
                throw new ArgumentException("batch message lengths are inconsistent", nameof(length));
            uint seq = NextSequence();
            if (i == 0) first = seq;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(batch.Slice(offset + 8), seq);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(batch.Slice(offset + 12), _socket.PortId);
            results[i] = new AckResult(Errno.ETIMEDOUT, null, -1, seq);
            offset += messageLength;
        }
        var errno = _socket.Send(batch.Slice(0, offset));
        if (errno != Errno.None)
        {
            for (int i = 0; i < count; i++) results[i] = results[i] with { Errno = errno };
            return;
        }
        Span<bool> acked = count <= 1024 ? stackalloc bool[count] : new bool[count];
        int pending = count;
        while (pending > 0)
        {
            errno = _socket.Receive(_receiveBuffer, out int received);
            if (errno != Errno.None)
            {
                if (errno == Errno.EAGAIN) errno = Errno.ETIMEDOUT;
                for (int i = 0; i < count; i++)
                    if (!acked[i]) results[i] = results[i] with { Errno = errno };
                return;
            }
            var reader = new NetlinkMessageReader(_receiveBuffer.AsSpan(0, received));
            while (reader.MoveNext())
            {
                var message = reader.Current;
                if (message.PortId != _socket.PortId)
                    throw new NetlinkDecodeException($"reply addressed to port {message.PortId}, expected {_socket.PortId}", message.Offset);
                uint index = message.Sequence - first;
                if (index >= (uint)count || acked[(int)index]) continue; // a straggler from an earlier request
                if (message.Type != NLMSG_ERROR) continue;
                acked[(int)index] = true;
                var error = ErrorMessage.DecodeError(message);
                results[(int)index] = new AckResult(error.Errno, error.ExtAckMessage, error.ExtAckOffset, message.Sequence);
                pending--;
            }
        }
    }

    /// <summary>
    /// Sends a request (a dump, or a GET with NLM_F_ACK) and enumerates the data messages of its reply across as
    /// many datagrams as it takes. Kernel errors throw <see cref="NetlinkException"/> named by <paramref name="operation"/>.
    /// </summary>
    public ReplyEnumerator Query(ref NetlinkMessageWriter request, string operation)
    {
        ushort flags = request.Flags;
        uint seq = NextSequence();
        var errno = _socket.Send(request.Finish(seq, _socket.PortId));
        if (errno != Errno.None) throw new NetlinkException(operation, errno, sequence: seq);
        return new ReplyEnumerator(this, seq, expectAck: (flags & NLM_F_ACK) != 0, operation);
    }

    private uint NextSequence()
    {
        _sequence = _sequence == uint.MaxValue ? 1 : _sequence + 1;
        return _sequence;
    }

    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
    }

    /// <summary>Internal carrier for a kernel error inside the reply loop (converted before it leaves this class).</summary>
    private sealed class KernelErrorException(ErrorMessage error) : Exception
    {
        public ErrorMessage Error { get; } = error;
    }

    /// <summary>Result of an ACK request; <see cref="ToException"/> names the operation only on failure.</summary>
    public readonly record struct AckResult(Errno Errno, string? ExtAckMessage, int ExtAckOffset, uint Sequence)
    {
        public bool Succeeded => Errno == Errno.None;

        public NetlinkException ToException(string operation) =>
            new(operation, Errno, ExtAckMessage, ExtAckOffset, Sequence);
    }

    /// <summary>
    /// Walks the reply to one request. Ends at NLMSG_DONE, at the ACK (NLMSG_ERROR 0) when the request asked for
    /// one, or after a single non-multi message otherwise. Messages from an earlier request (a stale sequence
    /// number) are skipped; a reply addressed to another port or a future sequence number is a decode error.
    /// <see cref="Interrupted"/> reports NLM_F_DUMP_INTR: the dump changed while it was read and is indeterminate.
    /// Disposing before the end drains the rest so the next request starts clean.
    /// </summary>
    public ref struct ReplyEnumerator
    {
        private readonly NetlinkConnection _connection;
        private readonly uint _sequence;
        private readonly bool _expectAck;
        private readonly string? _operation;
        private NetlinkMessageReader _reader;
        private NetlinkMessage _current;
        private bool _finished;
        private bool _started;

        internal ReplyEnumerator(NetlinkConnection connection, uint sequence, bool expectAck, string? operation = null)
        {
            _connection = connection;
            _sequence = sequence;
            _expectAck = expectAck;
            _operation = operation;
            _reader = default;
            _current = default;
            _finished = false;
            _started = false;
            Interrupted = false;
        }

        public bool Interrupted { get; private set; }

        public readonly NetlinkMessage Current => _current;

        public readonly ReplyEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (!_finished)
            {
                if (!_started || !_reader.MoveNext())
                {
                    var errno = _connection._socket.Receive(_connection._receiveBuffer, out int length);
                    if (errno != Errno.None)
                    {
                        _finished = true;
                        if (errno == Errno.EAGAIN) errno = Errno.ETIMEDOUT;
                        throw Fail(new ErrorMessage(errno, null, -1));
                    }
                    _reader = new NetlinkMessageReader(_connection._receiveBuffer.AsSpan(0, length));
                    _started = true;
                    continue;
                }
                var message = _reader.Current;
                if (message.PortId != _connection.PortId)
                {
                    _finished = true;
                    throw new NetlinkDecodeException($"reply addressed to port {message.PortId}, expected {_connection.PortId}", message.Offset);
                }
                if (message.Sequence != _sequence)
                {
                    if (IsOlder(message.Sequence, _sequence)) continue;
                    _finished = true;
                    throw new NetlinkDecodeException($"reply sequence {message.Sequence} does not match request {_sequence}", message.Offset);
                }
                if ((message.Flags & NLM_F_DUMP_INTR) != 0) Interrupted = true;
                switch (message.Type)
                {
                    case NLMSG_NOOP:
                        continue;
                    case NLMSG_ERROR:
                    {
                        _finished = true;
                        var error = ErrorMessage.DecodeError(message);
                        if (error.Errno != Errno.None) throw Fail(error);
                        return false;
                    }
                    case NLMSG_DONE:
                    {
                        var done = ErrorMessage.DecodeDone(message);
                        if (done.Errno != Errno.None)
                        {
                            _finished = true;
                            throw Fail(done);
                        }
                        // A dump that also asked for an ACK gets one after DONE.
                        if (!_expectAck) _finished = true;
                        continue;
                    }
                    case NLMSG_OVERRUN:
                        _finished = true;
                        throw Fail(new ErrorMessage(Errno.ENOBUFS, "netlink overrun", -1));
                }
                if ((message.Flags & NLM_F_MULTI) == 0 && !_expectAck) _finished = true;
                _current = message;
                return true;
            }
            return false;
        }

        /// <summary>Drains the remainder of the reply (errors there are ignored: the caller stopped listening).</summary>
        public void Dispose()
        {
            try
            {
                while (MoveNext())
                {
                }
            }
            catch (NetlinkException)
            {
            }
            catch (NetlinkDecodeException)
            {
            }
            catch (KernelErrorException)
            {
            }
        }

        private readonly Exception Fail(ErrorMessage error) => _operation is null
            ? new KernelErrorException(error)
            : new NetlinkException(_operation, error.Errno, error.ExtAckMessage, error.ExtAckOffset, _sequence);

        private static bool IsOlder(uint candidate, uint current) => (int)(current - candidate) > 0;
    }
}
