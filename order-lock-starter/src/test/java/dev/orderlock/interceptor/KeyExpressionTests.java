package dev.orderlock.interceptor;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.expression.spel.standard.SpelExpressionParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Key evaluation without Redis (a pure unit test): the fast path for bare argument references and the SpEL path give
 * exactly what Spring's own {@link MethodBasedEvaluationContext} gives, for every expression form users write.
 */
class KeyExpressionTests {

	private final LockKeyEvaluator evaluator = new LockKeyEvaluator();

	private final DefaultListableBeanFactory beans = new DefaultListableBeanFactory();

	private final Orders target = new Orders();

	KeyExpressionTests() {
		this.beans.registerSingleton("tenant", new Tenant("eu"));
		this.evaluator.setBeanResolver(new BeanFactoryResolver(this.beans));
	}

	@ParameterizedTest
	@ValueSource(strings = { "#orderId", " #orderId ", "#p0", "#a0", "#note", "#p1", "#a1", "#order.id",
			"#order?.id", "#order.customer", "#p2.id", "#orderId + ':' + #note", "@tenant.region + ':' + #orderId",
			"#root.class.simpleName", "#this.class.simpleName", "#p01", "#nope", "#p7", "T(String).valueOf(#p0)",
			"#orderId * 2" })
	void givesWhatSpringsMethodBasedContextGives(String text) throws Exception {
		Method method = Orders.class.getMethod("pay", long.class, String.class, Order.class);
		Object[] arguments = { 42L, "gift", new Order(7, "ann") };
		Object expected = springsValue(text, method, arguments);
		KeyExpression key = this.evaluator.parse(text, method, Orders.class);
		for (int call = 0; call < 300; call++) {
			// Past SpEL's compile threshold (MIXED mode): compiled code must agree too.
			assertThat(key.value(arguments, this.target, new BeanFactoryResolver(this.beans))).as(text).isEqualTo(expected);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "#orderId", "#p0", "#a1", " #note " })
	void bareArgumentReferencesSkipSpel(String text) throws Exception {
		assertThat(parse(text).readsArgumentDirectly()).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "#order.id", "#root", "#this", "#nope", "#p01", "#p9", "#orderId + 1" })
	void everythingElseIsEvaluatedBySpel(String text) throws Exception {
		assertThat(parse(text).readsArgumentDirectly()).isFalse();
	}

	@Test
	void varargsAreLeftToSpel() throws Exception {
		Method method = Orders.class.getMethod("merge", long[].class);
		KeyExpression key = this.evaluator.parse("#orderIds", method, Orders.class);
		assertThat(key.readsArgumentDirectly()).isFalse();
		long[] ids = { 1, 2 };
		assertThat(key.value(new Object[] { ids }, this.target, null)).isEqualTo(ids);
	}

	@Test
	void compiledPropertyAccessFallsBackWhenTheArgumentTypeChanges() throws Exception {
		Method method = Orders.class.getMethod("ship", Object.class);
		KeyExpression key = this.evaluator.parse("#parcel.id", method, Orders.class);
		for (int call = 0; call < 300; call++) {
			assertThat(key.value(new Object[] { new Order(call, "ann") }, this.target, null)).isEqualTo((long) call);
		}
		assertThat(key.value(new Object[] { new Tenant("us") }, this.target, null)).isEqualTo("tenant-us");
	}

	private KeyExpression parse(String text) throws NoSuchMethodException {
		Method method = Orders.class.getMethod("pay", long.class, String.class, Order.class);
		return this.evaluator.parse(text, method, Orders.class);
	}

	private @Nullable Object springsValue(String text, Method method, Object[] arguments) {
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(this.target, method, arguments,
				new DefaultParameterNameDiscoverer());
		context.setBeanResolver(new BeanFactoryResolver(this.beans));
		return new SpelExpressionParser().parseExpression(text).getValue(context);
	}

	public record Order(long id, String customer) {
	}

	public record Tenant(String region) {

		public String getId() {
			return "tenant-" + this.region;
		}

	}

	public static class Orders {

		public void pay(long orderId, String note, Order order) {
		}

		public void merge(long... orderIds) {
		}

		public void ship(Object parcel) {
		}

	}

}
