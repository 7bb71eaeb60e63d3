/**
 * A throwaway real Redis on a free port for tests and the demo's dev mode; never the one on 6379.
 */
package dev.orderlock.testredis;
