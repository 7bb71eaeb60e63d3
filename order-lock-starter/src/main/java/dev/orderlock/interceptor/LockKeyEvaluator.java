package dev.orderlock.interceptor;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockException;
import dev.orderlock.support.KeyText;
import org.jspecify.annotations.Nullable;

import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.core.NativeDetector;
import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.SpelCompilerMode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ObjectUtils;
import org.springframework.util.StringUtils;

/**
 * Parses {@link OrderLock#key()} expressions once and evaluates them per call into the order's key (or the keys of
 * every order in a collection or array), refusing anything that would not name an order. Expressions other than a
 * bare argument reference are compiled by SpEL once they have run often enough ({@link SpelCompilerMode#MIXED},
 * falling back to interpreting if compiled code cannot handle a call).
 */
final class LockKeyEvaluator extends CachedExpressionEvaluator {

	private final Map<ExpressionKey, Expression> expressions = new ConcurrentHashMap<>(64);

	LockKeyEvaluator() {
		// A native image cannot define the classes SpEL's compiler writes: interpret there.
		super(new SpelExpressionParser(new SpelParserConfiguration(
				NativeDetector.inNativeImage() ? SpelCompilerMode.OFF : SpelCompilerMode.MIXED,
				LockKeyEvaluator.class.getClassLoader())));
	}

	private @Nullable BeanResolver beanResolver;

	/** Enables {@code @beanName} references; set once while the owning bean is initialized. */
	void setBeanResolver(BeanResolver beanResolver) {
		this.beanResolver = beanResolver;
	}

	/** Parses (or returns the cached parse of) {@code expression}; throws the parser's exception on a typo. */
	KeyExpression parse(String expression, Method method, @Nullable Class<?> targetClass) {
		Expression parsed = getExpression(this.expressions, new AnnotatedElementKey(method, targetClass), expression);
		return KeyExpression.of(expression, parsed, method, getParameterNameDiscoverer().getParameterNames(method));
	}

	/**
	 * The key of one call: the expression's value as a string, never null or blank.
	 * @throws OrderLockException naming the method and the expression when there is no usable key
	 */
	String resolveKey(LockOperation operation, @Nullable Object[] arguments, @Nullable Object target) {
		Object value = evaluate(operation, arguments, target);
		if (value instanceof Collection<?> || (value != null && value.getClass().isArray())) {
			throw invalidKey(operation,
					"resolved to a collection or array (" + KeyText.render(String.valueOf(value)) + ")",
					"This call locks one order: make the expression yield a single order's key.");
		}
		return keyOf(operation, value);
	}

	/**
	 * The keys of one call: a {@code String} for one order, as {@link #resolveKey}; for a collection or array, a
	 * {@code List<String>} of its elements' keys in their order (the template sorts them and drops duplicates).
	 * @throws OrderLockException naming the method and the expression (and the element's index) when a key is
	 * missing, or the collection is empty
	 */
	Object resolveKeys(LockOperation operation, @Nullable Object[] arguments, @Nullable Object target) {
		Object value = evaluate(operation, arguments, target);
		if (value instanceof Collection<?> collection) {
			return elementKeys(operation, collection.toArray());
		}
		if (value != null && value.getClass().isArray()) {
			return elementKeys(operation, ObjectUtils.toObjectArray(value));
		}
		return keyOf(operation, value);
	}

	private static String keyOf(LockOperation operation, @Nullable Object value) {
		if (value == null) {
			throw invalidKey(operation, "resolved to null", "If it names a parameter, check the name and that the "
					+ "code is compiled with -parameters (or use #p0/#a0); the method's parameters are "
					+ operation.key().describeVariables(operation.method()) + ". If the value itself is null, the "
					+ "caller passed no order.");
		}
		String key = value.toString();
		if (!StringUtils.hasText(key)) {
			throw invalidKey(operation, "resolved to a blank key", "Make the expression yield the order's id.");
		}
		return key;
	}

	private static List<String> elementKeys(LockOperation operation, @Nullable Object[] elements) {
		if (operation.fenced()) {
			throw invalidKey(operation, "resolved to a collection or array, but a fencing token belongs to one "
					+ "order", "Lock and write each order in its own fenced call.");
		}
		if (elements.length == 0) {
			throw invalidKey(operation, "resolved to an empty collection", "A call needs at least one order to "
					+ "lock; do not call it with none.");
		}
		List<String> keys = new ArrayList<>(elements.length);
		for (int i = 0; i < elements.length; i++) {
			Object element = elements[i];
			String key = (element != null) ? element.toString() : null;
			if (!StringUtils.hasText(key)) {
				throw invalidKey(operation, "resolved to a collection whose element at index " + i + " is "
						+ ((element == null) ? "null" : "blank"), "Every element must name an order.");
			}
			keys.add(key);
		}
		return keys;
	}

	private @Nullable Object evaluate(LockOperation operation, @Nullable Object[] arguments,
			@Nullable Object target) {
		try {
			return operation.key().value(arguments, target, this.beanResolver);
		}
		catch (RuntimeException ex) {
			// SpEL's own messages say what failed; anything else (a NumberFormatException from a method the expression
			// calls) needs its type. Either may quote an argument: rendered like a key.
			String failure = (ex instanceof EvaluationException)
					? KeyText.render(String.valueOf(ex.getMessage()), KeyText.MAX_SHOWN_CAUSE) : KeyText.render(ex);
			throw new OrderLockException("Lock key expression '" + operation.keyText() + "' of "
					+ operation.description() + " failed: " + failure + ". The method was not run.", ex);
		}
	}

	private static OrderLockException invalidKey(LockOperation operation, String problem, String hint) {
		return new OrderLockException("Lock key expression '" + operation.keyText() + "' of "
				+ operation.description() + " " + problem + "; refusing to lock on it. The method was not run. "
				+ hint);
	}

}
