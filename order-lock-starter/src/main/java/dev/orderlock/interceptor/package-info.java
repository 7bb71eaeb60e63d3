/**
 * Annotation support: finds {@code @OrderLock} methods, resolves their keys and runs their calls through
 * {@link dev.orderlock.OrderLockTemplate}; the start-up checks that refuse what would run unlocked. Public for the
 * auto-configuration, not an API: it may change in any release.
 */
@NullMarked
package dev.orderlock.interceptor;

import org.jspecify.annotations.NullMarked;
