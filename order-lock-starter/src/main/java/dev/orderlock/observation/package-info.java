/**
 * Records locks as Micrometer meters and observations, by lock name and never by key
 * (docs/observability.md). Public for the auto-configuration, not an API.
 */
@NullMarked
package dev.orderlock.observation;

import org.jspecify.annotations.NullMarked;
