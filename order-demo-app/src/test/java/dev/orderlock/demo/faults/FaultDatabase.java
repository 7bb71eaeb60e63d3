package dev.orderlock.demo.faults;

import java.sql.SQLException;
import java.util.UUID;

import org.h2.tools.Server;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The one database every demo process of a test shares: an in-memory H2 database served over TCP by this JVM, so
 * that it lives exactly as long as the test and needs nothing installed. The test reads the outcome through
 * {@link #jdbc()}.
 */
final class FaultDatabase implements AutoCloseable {

	private final Server server;

	private final String url;

	private final JdbcClient jdbc;

	private FaultDatabase(Server server, String url) {
		this.server = server;
		this.url = url;
		this.jdbc = JdbcClient.create(new DriverManagerDataSource(url, "sa", ""));
	}

	static FaultDatabase start() {
		try {
			// Port 0: the server binds a free port itself, so parallel builds cannot collide.
			Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
			String name = "faults-" + UUID.randomUUID();
			return new FaultDatabase(server, "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name
					+ ";DB_CLOSE_DELAY=-1");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot start the H2 TCP server the demo processes share", ex);
		}
	}

	String url() {
		return this.url;
	}

	JdbcClient jdbc() {
		return this.jdbc;
	}

	@Override
	public void close() {
		this.server.stop();
	}

}
