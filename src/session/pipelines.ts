import type { Next, Route } from '../pipeline/index.js';

/** Gives the compiled pipeline for a route (compiled once per route, cached by the provider). */
export interface PipelineSource {
  forRoute(route: Route): Next;
}
