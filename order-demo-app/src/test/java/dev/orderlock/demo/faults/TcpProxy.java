package dev.orderlock.demo.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a free loopback port in front of one server (Redis, here), that the test can cut off: the network
 * between one instance and Redis, while the instance keeps its database. Two threads per connection copy the bytes.
 * <p>
 * {@link #cut(Mode) cut(DROP)} is a partition that drops packets: connections stay open and nothing gets through in
 * either direction, new ones are accepted and silent too, so the client sees only silence (its timeouts). {@link
 * #cut(Mode) cut(RESET)} is one that the client is told about: every connection is reset (RST) and so is every new
 * one while cut. {@link #heal()} forwards again, for new connections.
 */
final class TcpProxy implements AutoCloseable {

	/** What the proxy does with traffic. */
	enum Mode {

		FORWARD, DROP, RESET

	}

	private final ServerSocket server;

	private final InetSocketAddress target;

	private final Set<Link> links = ConcurrentHashMap.newKeySet();

	private volatile Mode mode = Mode.FORWARD;

	private volatile boolean closed;

	private TcpProxy(ServerSocket server, InetSocketAddress target) {
		this.server = server;
		this.target = target;
	}

	/** Forwards a new loopback port to {@code host:port} until closed. */
	static TcpProxy start(String host, int port) {
		try {
			ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			TcpProxy proxy = new TcpProxy(server, new InetSocketAddress(host, port));
			daemon("proxy-accept-" + server.getLocalPort(), proxy::accept).start();
			return proxy;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot open a loopback port for a proxy to " + host + ":" + port, ex);
		}
	}

	String host() {
		return this.server.getInetAddress().getHostAddress();
	}

	int port() {
		return this.server.getLocalPort();
	}

	/** Cuts every connection, current and new, as {@code mode} says (DROP or RESET), until {@link #heal()}. */
	synchronized void cut(Mode mode) {
		if (mode == Mode.FORWARD) {
			throw new IllegalArgumentException("A cut drops or resets; heal() forwards");
		}
		this.mode = mode;
		for (Link link : this.links) {
			if (mode == Mode.DROP) {
				link.stall();
			}
			else {
				link.reset();
			}
		}
	}

	/**
	 * Forwards again. A connection that lived through a DROP is reset now rather than resumed: its client timed out
	 * the commands it sent meanwhile, and resuming would hand it their late replies, which tests the client's pairing
	 * of replies, not the lock. A partition that outlasts the connection's state (TCP retransmission, a NAT or load
	 * balancer forgetting it) ends the same way; the client reconnects.
	 */
	synchronized void heal() {
		this.mode = Mode.FORWARD;
		for (Link link : this.links) {
			link.reset();
		}
	}

	private void accept() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.server.accept();
			}
			catch (IOException ex) {
				// Closed: the proxy is done.
				return;
			}
			synchronized (this) {
				switch (this.mode) {
					case RESET -> reset(client);
					// Accepted and never answered: the client's connect succeeds, its commands time out.
					case DROP -> track(new Link(client, null)).stall();
					case FORWARD -> connect(client);
				}
			}
		}
	}

	private void connect(Socket client) {
		Socket upstream = new Socket();
		try {
			upstream.connect(this.target, 2000);
			// Redis's small request and reply writes, not held back for Nagle: the proxy adds no latency.
			upstream.setTcpNoDelay(true);
			client.setTcpNoDelay(true);
		}
		catch (IOException ex) {
			reset(client);
			close(upstream);
			return;
		}
		Link link = track(new Link(client, upstream));
		daemon("proxy-up-" + client.getPort(), () -> link.pump(client, upstream)).start();
		daemon("proxy-down-" + client.getPort(), () -> link.pump(upstream, client)).start();
	}

	private Link track(Link link) {
		this.links.add(link);
		return link;
	}

	@Override
	public synchronized void close() {
		this.closed = true;
		close(this.server);
		for (Link link : this.links) {
			link.reset();
		}
	}

	/** Closes with RST, not FIN ({@code SO_LINGER} 0): the peer's next read or write fails at once. */
	private static void reset(Socket socket) {
		try {
			socket.setSoLinger(true, 0);
		}
		catch (IOException ex) {
			// Already closed.
		}
		close(socket);
	}

	private static void close(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// Closing is all that is left to do with it.
		}
	}

	private static Thread daemon(String name, Runnable task) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	/** One client connection and its connection upstream ({@code null} while it was accepted cut). */
	private final class Link {

		private final Socket client;

		private final Socket upstream;

		/** Nothing more is forwarded. */
		private volatile boolean stalled;

		Link(Socket client, Socket upstream) {
			this.client = client;
			this.upstream = upstream;
		}

		/** Copies bytes one way until either side closes, or the link is stalled (then it stays open, silent). */
		void pump(Socket from, Socket to) {
			byte[] buffer = new byte[16 * 1024];
			try {
				InputStream in = from.getInputStream();
				OutputStream out = to.getOutputStream();
				int read;
				while ((read = in.read(buffer)) >= 0) {
					if (this.stalled) {
						// Dropped: the bytes go nowhere and this side is no longer read, as in a partition.
						return;
					}
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// Reset or closed: the other side goes too.
			}
			if (!this.stalled) {
				end();
			}
		}

		/** Either side closed: so does the other, as it would without the proxy. */
		void end() {
			TcpProxy.this.links.remove(this);
			close(this.client);
			close(this.upstream);
		}

		void stall() {
			this.stalled = true;
		}

		void reset() {
			TcpProxy.this.links.remove(this);
			TcpProxy.reset(this.client);
			if (this.upstream != null) {
				TcpProxy.reset(this.upstream);
			}
		}

	}

}
