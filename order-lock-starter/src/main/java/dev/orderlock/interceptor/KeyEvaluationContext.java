package dev.orderlock.interceptor;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.expression.BeanResolver;
import org.springframework.expression.PropertyAccessor;
import org.springframework.expression.spel.support.ReflectivePropertyAccessor;
import org.springframework.expression.spel.support.StandardEvaluationContext;

/**
 * The SpEL context of one key evaluation: the target as root object, the arguments as variables by parameter name,
 * {@code #pN} and {@code #aN} (as {@code MethodBasedEvaluationContext} offers them), bean references. Unlike a fresh
 * {@code MethodBasedEvaluationContext}, it asks for no parameter names per call, and all contexts share one
 * property accessor, so {@code #order.id} does not repeat its reflective look-up on every call.
 */
final class KeyEvaluationContext extends StandardEvaluationContext {

	/** Thread-safe, and caches what it found per class and property: shared by every evaluation. */
	private static final List<PropertyAccessor> PROPERTY_ACCESSORS = List.of(new ReflectivePropertyAccessor());

	private final String[] parameterNames;

	private final @Nullable Object[] arguments;

	KeyEvaluationContext(@Nullable Object target, String[] parameterNames, @Nullable Object @Nullable [] arguments,
			@Nullable BeanResolver beans) {
		super(target);
		this.parameterNames = parameterNames;
		this.arguments = (arguments != null) ? arguments : new Object[0];
		setPropertyAccessors(PROPERTY_ACCESSORS);
		if (beans != null) {
			setBeanResolver(beans);
		}
	}

	@Override
	public @Nullable Object lookupVariable(String name) {
		int index = argumentIndex(name, this.parameterNames);
		if (index >= 0 && index < this.arguments.length) {
			return this.arguments[index];
		}
		return super.lookupVariable(name);
	}

	/** The index a variable name refers to: a parameter name first, then {@code pN}/{@code aN}; else -1. */
	static int argumentIndex(String name, String[] parameterNames) {
		for (int i = 0; i < parameterNames.length; i++) {
			if (name.equals(parameterNames[i])) {
				return i;
			}
		}
		boolean leadingZero = name.length() > 2 && name.charAt(1) == '0';
		if (name.length() > 1 && (name.charAt(0) == 'p' || name.charAt(0) == 'a') && !leadingZero) {
			int index = 0;
			for (int i = 1; i < name.length(); i++) {
				char digit = name.charAt(i);
				if (digit < '0' || digit > '9' || index > 100_000) {
					return -1;
				}
				index = index * 10 + (digit - '0');
			}
			return index;
		}
		return -1;
	}

}
