/** Dev mode: an embedded redis-server when no Redis is configured. */
package dev.orderlock.demo.redis;
