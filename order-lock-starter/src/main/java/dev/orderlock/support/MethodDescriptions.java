package dev.orderlock.support;

import java.lang.reflect.Method;
import java.util.StringJoiner;

/**
 * Names methods in messages the way a user finds them in their code: {@code OrderService.pay(long)}.
 */
public final class MethodDescriptions {

	private MethodDescriptions() {
	}

	public static String describe(Method method) {
		StringJoiner parameters = new StringJoiner(", ", "(", ")");
		for (Class<?> type : method.getParameterTypes()) {
			parameters.add(type.getSimpleName());
		}
		return method.getDeclaringClass().getName() + "." + method.getName() + parameters;
	}

}
