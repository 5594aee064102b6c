// What a policy text is about. The turn understanding names the topics a customer's question touches (in any
// language), so a Spanish "¿cuánto tarda el envío?" finds an English shipping policy that shares no word with it.
export const KNOWLEDGE_TOPICS = ['shipping', 'returns', 'payments', 'hours', 'address', 'other'] as const;
export type KnowledgeTopic = (typeof KNOWLEDGE_TOPICS)[number];

/** The topics a question can be about (`other` is for documents only). */
export const QUESTION_TOPICS = ['shipping', 'returns', 'payments', 'hours', 'address'] as const;
export type QuestionTopic = (typeof QUESTION_TOPICS)[number];

export const KNOWLEDGE_KINDS = ['faq', 'policy'] as const;
export type KnowledgeKind = (typeof KNOWLEDGE_KINDS)[number];

export const TOPIC_LABELS: Record<KnowledgeTopic, string> = {
  shipping: 'Shipping and delivery',
  returns: 'Returns and refunds',
  payments: 'Payment methods',
  hours: 'Opening hours',
  address: 'Address and pick-up',
  other: 'Other',
};
