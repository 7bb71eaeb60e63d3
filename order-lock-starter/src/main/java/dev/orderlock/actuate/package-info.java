/**
 * The {@code orderlocks} Actuator endpoint: which order locks this instance holds, who holds a given order's lock on
 * any instance, and (when enabled) freeing it.
 */
@NullMarked
package dev.orderlock.actuate;

import org.jspecify.annotations.NullMarked;
