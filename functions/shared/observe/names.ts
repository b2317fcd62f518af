/** The CloudWatch namespace of every Threadfinder metric (the functions publish, infra's dashboard reads). */
export const METRICS_NAMESPACE = 'Threadfinder';
/** The `service` dimension and log field of every function. */
export const SERVICE = 'threadfinder';
