package dev.orderlock.interceptor;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

import dev.orderlock.OrderLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;

/**
 * Key resolution alone, no Redis: what {@code @OrderLock} spends per call turning the arguments into the order's key,
 * against the hand-written {@code String.valueOf(orderId)}. In package {@code dev.orderlock} to reach the
 * package-private {@link LockOperationSource} the interceptor uses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeyResolutionBenchmark {

	private final Orders target = new Orders();

	private LockOperationSource source;

	private LockOperation byName;

	private LockOperation byIndex;

	private LockOperation byProperty;

	private Object[] orderIdArguments;

	private Object[] orderArguments;

	private long orderId = 1_000_042L;

	@Setup(Level.Trial)
	public void parse() throws NoSuchMethodException {
		this.source = new LockOperationSource();
		this.source.setBeanFactory(new DefaultListableBeanFactory());
		this.byName = operation("byName", long.class);
		this.byIndex = operation("byIndex", long.class);
		this.byProperty = operation("byProperty", Order.class);
		this.orderIdArguments = new Object[] { this.orderId };
		this.orderArguments = new Object[] { new Order(this.orderId, 1999) };
	}

	private LockOperation operation(String name, Class<?> parameter) throws NoSuchMethodException {
		Method method = Orders.class.getMethod(name, parameter);
		return this.source.getOperation(method, Orders.class);
	}

	@Benchmark
	public String handWritten() {
		return String.valueOf((long) (Long) this.orderIdArguments[0]);
	}

	@Benchmark
	public String parameterName() {
		return this.source.resolveKey(this.byName, this.orderIdArguments, this.target);
	}

	@Benchmark
	public String parameterIndex() {
		return this.source.resolveKey(this.byIndex, this.orderIdArguments, this.target);
	}

	@Benchmark
	public String propertyOfParameter() {
		return this.source.resolveKey(this.byProperty, this.orderArguments, this.target);
	}

	public record Order(long id, long amountCents) {
	}

	public static class Orders {

		@OrderLock(key = "#orderId")
		public void byName(long orderId) {
		}

		@OrderLock(key = "#p0")
		public void byIndex(long orderId) {
		}

		@OrderLock(key = "#order.id")
		public void byProperty(Order order) {
		}

	}

}
