package dev.orderlock;

import java.lang.reflect.Method;
import java.util.StringJoiner;

/**
 * Names methods in messages the way a user finds them in their code: {@code OrderService.pay(long)}.
 */
final class MethodDescriptions {

	private MethodDescriptions() {
	}

	static String describe(Method method) {
		StringJoiner parameters = new StringJoiner(", ", "(", ")");
		for (Class<?> type : method.getParameterTypes()) {
			parameters.add(type.getSimpleName());
		}
		return method.getDeclaringClass().getName() + "." + method.getName() + parameters;
	}

}
