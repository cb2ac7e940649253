// Stops the local Airflow if global-setup.mjs started it.
export { teardown as default } from './global-setup.mjs';
