import { problemResponse } from "#app/http/problem.ts";
import { AppError } from "#app/models/errors.ts";

/** Any path under /api that no endpoint claims: the catalogue's 404 as JSON, whatever the method (never the HTML 404 page). */
const notFound = () => problemResponse(new AppError("http:not_found"));

export const loader = notFound;
export const action = notFound;
