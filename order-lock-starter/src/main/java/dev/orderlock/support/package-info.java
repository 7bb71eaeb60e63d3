/**
 * Helpers shared by the other packages (rendering untrusted keys for messages, naming methods). Not an API.
 */
@NullMarked
package dev.orderlock.support;

import org.jspecify.annotations.NullMarked;
