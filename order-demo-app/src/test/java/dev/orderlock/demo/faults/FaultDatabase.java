package dev.orderlock.demo.faults;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import org.h2.tools.Server;
import org.junit.jupiter.api.Assumptions;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The one database every demo process of a test shares, which the test then reads the outcome from through
 * {@link #jdbc()}: by default an in-memory H2 database served over TCP by this JVM (it lives exactly as long as the
 * test and needs nothing installed); for {@link #postgres()}, a throw-away schema in a PostgreSQL server.
 */
final class FaultDatabase implements AutoCloseable {

	private final String url;

	private final String user;

	private final String password;

	private final JdbcClient jdbc;

	private final Runnable cleanup;

	private FaultDatabase(String url, String user, String password, Runnable cleanup) {
		this.url = url;
		this.user = user;
		this.password = password;
		this.jdbc = JdbcClient.create(new DriverManagerDataSource(url, user, password));
		this.cleanup = cleanup;
	}

	static FaultDatabase start() {
		try {
			// Port 0: the server binds a free port itself, so parallel builds cannot collide.
			Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
			String name = "faults-" + UUID.randomUUID();
			return new FaultDatabase("jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name
					+ ";DB_CLOSE_DELAY=-1", "sa", "", server::stop);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot start the H2 TCP server the demo processes share", ex);
		}
	}

	/**
	 * A new schema in the PostgreSQL at {@code ORDER_DEMO_POSTGRES_URL} (default
	 * {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code ORDER_DEMO_POSTGRES_USER} or {@code postgres}, as
	 * {@code PostgresTests}), dropped on close. Where none answers, the calling test is skipped, saying so.
	 */
	static FaultDatabase postgres() {
		String server = setting("ORDER_DEMO_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
		String user = setting("ORDER_DEMO_POSTGRES_USER", "postgres");
		String password = setting("ORDER_DEMO_POSTGRES_PASSWORD", "");
		String schema = "order_faults_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		try {
			execute(server, user, password, "create schema " + schema);
		}
		catch (SQLException ex) {
			Assumptions.abort("Skipped: no PostgreSQL reachable at " + server + " as user " + user + " ("
					+ ex.getMessage() + "). Set ORDER_DEMO_POSTGRES_URL/_USER/_PASSWORD to run it.");
		}
		String url = server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema;
		return new FaultDatabase(url, user, password, () -> {
			try {
				execute(server, user, password, "drop schema if exists " + schema + " cascade");
			}
			catch (SQLException ex) {
				System.err.println("Could not drop the test schema " + schema + ": " + ex.getMessage());
			}
		});
	}

	String url() {
		return this.url;
	}

	String user() {
		return this.user;
	}

	String password() {
		return this.password;
	}

	JdbcClient jdbc() {
		return this.jdbc;
	}

	@Override
	public void close() {
		this.cleanup.run();
	}

	private static void execute(String url, String user, String password, String sql) throws SQLException {
		DriverManager.setLoginTimeout(3);
		try (Connection connection = DriverManager.getConnection(url, user, password);
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static String setting(String name, String fallback) {
		String value = System.getProperty(name, System.getenv(name));
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
